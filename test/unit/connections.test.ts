import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  listRequest,
  windowFromArgs,
} from '../../src/schema/connections.js';

const limits = {
  maxPageSize: 100,
  defaultPageSize: 20,
  maxSearchLength: 50,
  maxEncodedSearchBytes: 120,
};

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
  it('round-trip offsets', () => {
    for (const offset of [0, 1, 36, 99_999]) {
      expect(decodeCursor(encodeCursor(offset), 'after')).toBe(offset);
    }
  });

  it.each(['', 'garbage', 'b2Zmc2V0Oi0x', encodeCursor(5).replace('=', ''), 'b2Zmc2V0OjAx'])(
    'rejects %j as BAD_USER_INPUT',
    (cursor) => {
      expect(badInput(() => decodeCursor(cursor, 'after'))).toContain('"after" is not a cursor');
    },
  );
});

describe('windowFromArgs', () => {
  it('defaults to the first page', () => {
    expect(windowFromArgs({}, limits)).toEqual({ kind: 'range', start: 0, count: 20 });
  });

  it('maps first/after', () => {
    expect(windowFromArgs({ first: 37, after: encodeCursor(36) }, limits)).toEqual({
      kind: 'range',
      start: 37,
      count: 37,
    });
  });

  it('maps last/before, clipped at the start', () => {
    expect(windowFromArgs({ last: 10, before: encodeCursor(25) }, limits)).toEqual({
      kind: 'range',
      start: 15,
      count: 10,
    });
    expect(windowFromArgs({ last: 10, before: encodeCursor(4) }, limits)).toEqual({
      kind: 'range',
      start: 0,
      count: 4,
    });
  });

  it('asks for the tail when last comes without before', () => {
    expect(windowFromArgs({ last: 5 }, limits)).toEqual({ kind: 'tail', count: 5, notBefore: 0 });
  });

  it('keeps first inside after..before', () => {
    expect(
      windowFromArgs({ first: 50, after: encodeCursor(9), before: encodeCursor(15) }, limits),
    ).toEqual({ kind: 'range', start: 10, count: 5 });
  });

  it.each([
    [{ first: -1 }, '"first" must be between 0 and 100, got -1'],
    [{ first: 101 }, '"first" must be between 0 and 100, got 101'],
    [{ last: 1000 }, '"last" must be between 0 and 100'],
    [{ first: 1, last: 1 }, 'Pass either "first" or "last", not both'],
    [{ after: encodeCursor(10), before: encodeCursor(5) }, '"before" must point after "after"'],
    [{ after: 'nope' }, '"after" is not a cursor'],
  ])('rejects %j', (args, message) => {
    expect(badInput(() => windowFromArgs(args, limits))).toContain(message);
  });
});

describe('listRequest', () => {
  it('passes search and order through, with the default order when none is given', () => {
    expect(listRequest({ search: 'name ~ rhel' }, limits, 'id').options).toEqual({
      search: 'name ~ rhel',
      order: 'id',
    });
    expect(listRequest({ order: 'name DESC' }, limits, 'id').options.order).toBe('name DESC');
  });

  it('refuses a search or order longer than the limit', () => {
    expect(badInput(() => listRequest({ search: 'x'.repeat(51) }, limits))).toBe(
      'Argument "search" is longer than 50 characters',
    );
    expect(badInput(() => listRequest({ order: 'y'.repeat(51) }, limits))).toContain('"order"');
  });

  it('measures search and order once URL-encoded: 40 characters of "é" are 240 bytes', () => {
    expect(listRequest({ search: 'x'.repeat(50), order: 'name' }, limits).options.search).toBe(
      'x'.repeat(50),
    );
    expect(badInput(() => listRequest({ search: 'é'.repeat(40) }, limits))).toBe(
      'Arguments "search" and "order" are too long once URL-encoded (240 bytes; at most 120)',
    );
  });
});
