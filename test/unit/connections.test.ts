import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/demo/search/tokenizer.js';
import { decodeCursor, encodeCursor, listRequest } from '../../src/schema/connections.js';

const limits = {
  maxPageSize: 100,
  defaultPageSize: 20,
  maxSearchLength: 50,
  maxEncodedSearchBytes: 120,
};

const offset = (n: number) => encodeCursor({ kind: 'offset', offset: n });
const id = (n: number) => encodeCursor({ kind: 'id', id: n });

function badInput(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT') {
      return error.message;
    }
    throw error;
  }
  return undefined;
}

describe('cursors', () => {
  it('round-trip offsets and ids', () => {
    for (const n of [0, 1, 36, 99_999]) {
      expect(decodeCursor(offset(n), 'after')).toEqual({ kind: 'offset', offset: n });
      expect(decodeCursor(id(n), 'after')).toEqual({ kind: 'id', id: n });
    }
    // Cursors issued before ids were used (offsets) still read.
    expect(decodeCursor('b2Zmc2V0OjM2', 'after')).toEqual({ kind: 'offset', offset: 36 });
  });

  it.each([
    '',
    'garbage',
    'b2Zmc2V0Oi0x',
    offset(5).replace('=', ''),
    'b2Zmc2V0OjAx',
    id(5).slice(1),
  ])('rejects %j as BAD_USER_INPUT', (cursor) => {
    expect(badInput(() => decodeCursor(cursor, 'after'))).toContain('"after" is not a cursor');
  });
});

describe('listRequest', () => {
  it('defaults to the first page, in the default order', () => {
    expect(listRequest({}, limits, 'id')).toEqual({ first: 20, search: undefined, order: 'id' });
  });

  it('passes search and order through; the caller’s order wins', () => {
    expect(listRequest({ search: 'name ~ rhel', order: 'name DESC' }, limits, 'id')).toEqual({
      first: 20,
      search: 'name ~ rhel',
      order: 'name DESC',
    });
  });

  it('keeps the cursors it is given', () => {
    expect(listRequest({ first: 37, after: id(36) }, limits, 'id')).toEqual({
      first: 37,
      after: { kind: 'id', id: 36 },
      search: undefined,
      order: 'id',
    });
    expect(listRequest({ last: 5, before: offset(9) }, limits, 'name')).toMatchObject({
      last: 5,
      before: { kind: 'offset', offset: 9 },
    });
  });

  it.each([
    [{ first: -1 }, '"first" must be between 0 and 100, got -1'],
    [{ first: 101 }, '"first" must be between 0 and 100, got 101'],
    [{ last: 1000 }, '"last" must be between 0 and 100'],
    [{ first: 1, last: 1 }, 'Pass either "first" or "last", not both'],
    [{ after: offset(10), before: offset(5) }, '"before" must point after "after"'],
    [{ after: id(10), before: offset(50) }, 'come from different pages'],
    [{ after: 'nope' }, '"after" is not a cursor'],
    [{ after: id(3), order: 'name' }, 'a cursor of a list in another order'],
  ])('rejects %j', (args, message) => {
    expect(badInput(() => listRequest(args, limits, 'id'))).toContain(message);
  });

  it('a merged list (images everywhere) orders by id only, and pages by id cursors', () => {
    const merged = { merged: true };
    expect(listRequest({ order: 'id DESC' }, limits, 'id', merged).order).toBe('id DESC');
    expect(badInput(() => listRequest({ order: 'name' }, limits, 'id', merged))).toContain(
      'can only be ordered by id',
    );
    expect(badInput(() => listRequest({ after: offset(3) }, limits, 'id', merged))).toContain(
      'another order',
    );
  });

  it('refuses a search or order longer than the limit', () => {
    expect(badInput(() => listRequest({ search: 'x'.repeat(51) }, limits))).toBe(
      'Argument "search" is longer than 50 characters',
    );
    expect(badInput(() => listRequest({ order: 'y'.repeat(51) }, limits))).toContain('"order"');
  });

  it('measures search and order once URL-encoded: 40 characters of "é" are 240 bytes', () => {
    expect(listRequest({ search: 'x'.repeat(50), order: 'name' }, limits).search).toBe(
      'x'.repeat(50),
    );
    expect(badInput(() => listRequest({ search: 'é'.repeat(40) }, limits))).toBe(
      'Arguments "search" and "order" are too long once URL-encoded (240 bytes; at most 120)',
    );
  });

  it.each([
    ['name ~ a) or (id > 0', 'closes a parenthesis it did not open (at character 9)'],
    [')', 'closes a parenthesis it did not open (at character 1)'],
    ['(name ~ a', 'leaves a parenthesis open'],
    ['((name ~ a) or (id > 0', 'leaves 2 parentheses open'],
    ['(((a', 'leaves 3 parentheses open'],
    // Outside quoted text a backslash escapes nothing.
    ['name ~ a\\)', 'closes a parenthesis it did not open (at character 10)'],
    ['name = "a', 'opens a quote it does not close (at character 8)'],
    ['name = "a\\"', 'opens a quote it does not close'],
    ['name = "a\\', 'opens a quote it does not close'],
    ['name ~ x"(', 'leaves a parenthesis open'],
  ])(
    'refuses the search %j: it would take in the conditions the gateway adds',
    (search, message) => {
      expect(badInput(() => listRequest({ search }, limits))).toContain(message);
    },
  );

  it.each([
    'name ~ rhel',
    '(name ~ a or name ~ b) and (id > 3 or id < 2)',
    'id ^ (1, 2, 3)',
    'name = "a)" or name = "(b"',
    'name = "say \\"(\\" please"',
    'name ~ x"y',
  ])('passes the balanced search %j through as it is', (search) => {
    expect(listRequest({ search }, limits).search).toBe(search);
  });

  it("finds parentheses where scoped_search's tokenizer (the demo's port of it) does", () => {
    const samples = [
      'name ~ a) or (id > 0',
      '(name ~ a or name ~ b) and (id > 3 or id < 2)',
      'name = "a)" or name = "(b"',
      'name = "say \\"(\\" please"',
      'name ~ x"(',
      'name ~ a\\)',
      'a(b)c',
      'name ^ (x, y',
      'name!~"(" and (id>1)',
    ];
    for (const search of samples) {
      let depth = 0;
      let balanced = true;
      for (const token of tokenize(search)) {
        if (token.kind === 'symbol' && token.symbol === 'lparen') depth += 1;
        if (token.kind === 'symbol' && token.symbol === 'rparen') depth -= 1;
        if (depth < 0) balanced = false;
      }
      balanced &&= depth === 0;
      expect([search, badInput(() => listRequest({ search }, limits)) === undefined]).toEqual([
        search,
        balanced,
      ]);
    }
  });
});
