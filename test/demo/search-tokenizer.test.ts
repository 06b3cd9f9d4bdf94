import { describe, expect, it } from 'vitest';
import { inspectToken, tokenize } from '../../src/demo/search/tokenizer.js';

const sym = (symbol: string) => ({ kind: 'symbol', symbol });
const val = (value: string) => ({ kind: 'value', value });

describe('scoped_search tokenizer', () => {
  it('splits a typical query into values and symbols', () => {
    expect(tokenize('name = "foo bar" and id ^ (1, 2)')).toEqual([
      val('name'),
      sym('eq'),
      val('foo bar'),
      sym('and'),
      val('id'),
      sym('in'),
      sym('lparen'),
      val('1'),
      sym('comma'),
      val('2'),
      sym('rparen'),
    ]);
  });

  it('reads two-character operators greedily', () => {
    const ops = ['==', '!=', '<>', '>=', '<=', '!~', '!^', '&&', '||'];
    expect(ops.map((op) => tokenize(`a ${op} b`)[1])).toEqual(
      ['eq', 'ne', 'ne', 'gte', 'lte', 'unlike', 'notin', 'and', 'or'].map(sym),
    );
    expect(tokenize('a=~b')).toEqual([val('a'), sym('eq'), sym('like'), val('b')]);
  });

  it('does not end a bare keyword at ^, ! or a quote, so "id^(1)" is one value', () => {
    expect(tokenize('id^(1)')).toEqual([val('id^'), sym('lparen'), val('1'), sym('rparen')]);
    expect(tokenize('a!b')).toEqual([val('a!b')]);
    expect(tokenize('name="x"')).toEqual([val('name'), sym('eq'), val('x')]);
    expect(tokenize('x-y')).toEqual([val('x-y')]);
  });

  it('recognises keywords case-insensitively, but never inside quotes', () => {
    expect(tokenize('a AND b Or NOT c')).toEqual([
      val('a'),
      sym('and'),
      val('b'),
      sym('or'),
      sym('not'),
      val('c'),
    ]);
    expect(tokenize('set? x null? y has z')).toEqual([
      sym('notnull'),
      val('x'),
      sym('null'),
      val('y'),
      sym('notnull'),
      val('z'),
    ]);
    expect(tokenize('"and" "set?"')).toEqual([val('and'), val('set?')]);
  });

  it('unescapes backslashes inside quotes and runs an unterminated quote to the end', () => {
    expect(tokenize('"say \\"hi\\"" "a\\\\b" "open')).toEqual([
      val('say "hi"'),
      val('a\\b'),
      val('open'),
    ]);
  });

  it('turns a leading - or ! into NOT', () => {
    expect(tokenize('-name = x !y')).toEqual([
      sym('not'),
      val('name'),
      sym('eq'),
      val('x'),
      sym('not'),
      val('y'),
    ]);
    expect(tokenize('! y')).toEqual([sym('not'), val('y')]);
  });

  it('inspects tokens like Ruby does in error messages', () => {
    expect(inspectToken({ kind: 'symbol', symbol: 'rparen' })).toBe(':rparen');
    expect(inspectToken({ kind: 'value', value: 'x' })).toBe('"x"');
    expect(inspectToken(undefined)).toBe('nil');
  });
});
