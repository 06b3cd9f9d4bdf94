/**
 * scoped_search's tokenizer (lib/scoped_search/query_language/tokenizer.rb), character for
 * character: operators and keywords become symbols, everything else a value.
 */

export type TokenSymbol =
  | 'and'
  | 'or'
  | 'not'
  | 'notnull'
  | 'null'
  | 'eq'
  | 'ne'
  | 'gt'
  | 'lt'
  | 'gte'
  | 'lte'
  | 'like'
  | 'unlike'
  | 'in'
  | 'notin'
  | 'lparen'
  | 'rparen'
  | 'comma';

export type Token = { kind: 'symbol'; symbol: TokenSymbol } | { kind: 'value'; value: string };

const KEYWORDS: Record<string, TokenSymbol> = {
  and: 'and',
  or: 'or',
  not: 'not',
  'set?': 'notnull',
  has: 'notnull',
  'null?': 'null',
  before: 'lt',
  after: 'gt',
  at: 'eq',
};

const OPERATORS: Record<string, TokenSymbol> = {
  '&': 'and',
  '|': 'or',
  '&&': 'and',
  '||': 'or',
  '-': 'not',
  '!': 'not',
  '~': 'like',
  '!~': 'unlike',
  '=': 'eq',
  '==': 'eq',
  '!=': 'ne',
  '<>': 'ne',
  '>': 'gt',
  '<': 'lt',
  '>=': 'gte',
  '<=': 'lte',
  '^': 'in',
  '!^': 'notin',
};

const OPERATOR_START = /[&|=<>^!~-]/;
// A bare keyword runs until one of these; note that ^, ! and " are not among them.
const KEYWORD_END = /[=~<>\s&|)(,]/;
const WHITESPACE = /\s/;

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const symbol = (s: TokenSymbol) => tokens.push({ kind: 'symbol', symbol: s });
  let pos = 0;
  while (pos < query.length) {
    const char = query.charAt(pos);
    if (WHITESPACE.test(char)) {
      pos += 1;
    } else if (char === '(') {
      symbol('lparen');
      pos += 1;
    } else if (char === ')') {
      symbol('rparen');
      pos += 1;
    } else if (char === ',') {
      symbol('comma');
      pos += 1;
    } else if (OPERATOR_START.test(char)) {
      const pair = query.slice(pos, pos + 2);
      const operator = pair.length === 2 && OPERATORS[pair] ? pair : char;
      symbol(OPERATORS[operator] ?? 'not');
      pos += operator.length;
    } else if (char === '"') {
      // Quoted values run to the next unescaped quote (or the end); a backslash escapes any
      // character. Quoted text is always a value, even "and" or "set?".
      let value = '';
      pos += 1;
      while (pos < query.length && query.charAt(pos) !== '"') {
        if (query.charAt(pos) === '\\' && pos + 1 < query.length) pos += 1;
        value += query.charAt(pos);
        pos += 1;
      }
      pos += 1;
      tokens.push({ kind: 'value', value });
    } else {
      let keyword = char;
      pos += 1;
      while (pos < query.length && !KEYWORD_END.test(query.charAt(pos))) {
        keyword += query.charAt(pos);
        pos += 1;
      }
      const reserved = KEYWORDS[keyword.toLowerCase()];
      if (reserved) symbol(reserved);
      else tokens.push({ kind: 'value', value: keyword });
    }
  }
  return tokens;
}

/** Ruby's Symbol#inspect / nil.inspect, as scoped_search puts tokens into error messages. */
export function inspectToken(token: Token | undefined): string {
  if (!token) return 'nil';
  return token.kind === 'symbol' ? `:${token.symbol}` : JSON.stringify(token.value);
}
