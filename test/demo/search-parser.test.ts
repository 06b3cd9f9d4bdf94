import { describe, expect, it } from 'vitest';
import { QueryNotSupported } from '../../src/demo/search/errors.js';
import { parseSearch } from '../../src/demo/search/parser.js';

const cmp = (field: string | null, operator: string, value: string) => ({
  kind: 'comparison',
  field,
  operator,
  value,
});
const leaf = (value: string) => ({ kind: 'leaf', value });
const and = (...children: unknown[]) => ({ kind: 'logical', operator: 'and', children });
const or = (...children: unknown[]) => ({ kind: 'logical', operator: 'or', children });

describe('scoped_search parser', () => {
  it('parses a comparison and wraps the query in an AND sequence', () => {
    expect(parseSearch('name = foo')).toEqual(and(cmp('name', 'eq', 'foo')));
  });

  it('treats commas and juxtaposition as AND', () => {
    expect(parseSearch('name = "x", operatingsystem = 3 rhel')).toEqual(
      and(cmp('name', 'eq', 'x'), cmp('operatingsystem', 'eq', '3'), leaf('rhel')),
    );
  });

  it('makes logical operators right-associative without precedence', () => {
    expect(parseSearch('a or b and c')).toEqual(and(or(leaf('a'), and(leaf('b'), leaf('c')))));
    expect(parseSearch('a and b or c')).toEqual(and(and(leaf('a'), or(leaf('b'), leaf('c')))));
  });

  it('reads a parenthesised list after ^ into one comma-joined value', () => {
    expect(parseSearch('id ^ (1, 2,3)')).toEqual(and(cmp('id', 'in', '1,2,3')));
    expect(parseSearch('id !^ (4 5)')).toEqual(and(cmp('id', 'notin', '4,5')));
    expect(parseSearch('id ^ 7')).toEqual(and(cmp('id', 'in', '7')));
  });

  it('expands a prefix ^ list into ORed default-field equalities', () => {
    expect(parseSearch('^ (a, b)')).toEqual(and(or(cmp(null, 'eq', 'a'), cmp(null, 'eq', 'b'))));
  });

  it('parses NOT, groups and null tests', () => {
    expect(parseSearch('not (name = a or name = b)')).toEqual(
      and({ kind: 'not', operand: and(or(cmp('name', 'eq', 'a'), cmp('name', 'eq', 'b'))) }),
    );
    expect(parseSearch('set? description null? release_name')).toEqual(
      and(
        { kind: 'null', operator: 'notnull', field: 'description' },
        { kind: 'null', operator: 'null', field: 'release_name' },
      ),
    );
  });

  it('drops trailing symbols, so half-typed queries still parse', () => {
    expect(parseSearch('name =')).toEqual(and(leaf('name')));
    expect(parseSearch('a and')).toEqual(and(leaf('a')));
    expect(parseSearch('(name = a)')).toEqual(and(and(cmp('name', 'eq', 'a'))));
    expect(parseSearch('')).toBeNull();
    expect(parseSearch('  and ( ')).toBeNull();
  });

  it('ends the query at a stray closing parenthesis', () => {
    expect(parseSearch('name = a ) name = b')).toEqual(and(cmp('name', 'eq', 'a')));
  });

  it('reports a missing value the way scoped_search does', () => {
    expect(() => parseSearch('name = = x')).toThrow(
      new QueryNotSupported('Value expected but found :eq'),
    );
    expect(() => parseSearch('name ~ ) x')).toThrow('Value expected but found :rparen');
    expect(() => parseSearch('not () x')).toThrow('No operands found');
  });
});
