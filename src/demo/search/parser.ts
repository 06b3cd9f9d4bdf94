import { QueryNotSupported } from './errors.js';
import { inspectToken, type Token, type TokenSymbol, tokenize } from './tokenizer.js';

export type ComparisonOperator =
  | 'eq'
  | 'ne'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'like'
  | 'unlike'
  | 'in'
  | 'notin';

/** The AST of scoped_search's query language. */
export type SearchNode =
  /** A bare term: free text over the default fields. */
  | { kind: 'leaf'; value: string }
  | { kind: 'logical'; operator: 'and' | 'or'; children: SearchNode[] }
  | { kind: 'not'; operand: SearchNode }
  | { kind: 'null'; operator: 'null' | 'notnull'; field: string }
  /** `field op value`, or a prefix comparison (`op value`) when `field` is null. */
  | { kind: 'comparison'; operator: ComparisonOperator; field: string | null; value: string }
  /** A stray symbol used as an operator (`a, (b)`): scoped_search finds no field for it. */
  | { kind: 'ignored'; value: string };

const COMPARISON: ReadonlySet<TokenSymbol> = new Set([
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'unlike',
  'in',
  'notin',
]);

/**
 * Parses a query like scoped_search's LL(1) parser (query_language/parser.rb), quirks included:
 * logical operators are right-associative without precedence, a comma or juxtaposition means
 * AND, and a stray ')' at the top level ends the query. Returns null for an empty query.
 */
export function parseSearch(query: string): SearchNode | null {
  const tokens = tokenize(query);
  // Like scoped_search, drop every trailing symbol ("name =", "a and", even a final ')').
  while (tokens.at(-1)?.kind === 'symbol') tokens.pop();
  const root = new Parser(tokens).sequence(true);
  return root.children.length > 0 ? root : null;
}

class Parser {
  #tokens: Token[];
  #current: Token | undefined;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  sequence(root: boolean): SearchNode & { kind: 'logical' } {
    const children: SearchNode[] = [];
    if (!root && this.#peekIs('lparen')) this.#next();
    while (this.#peek() && !this.#peekIs('rparen')) {
      const node = this.#logical();
      if (node) children.push(node);
    }
    if (!root && this.#peekIs('rparen')) this.#next();
    return { kind: 'logical', operator: 'and', children };
  }

  #logical(): SearchNode | null {
    let lhs: SearchNode | null;
    if (!this.#peek()) lhs = null;
    else if (this.#peekIs('lparen')) lhs = this.sequence(false);
    else if (this.#peekIs('not')) lhs = this.#not();
    else if (this.#peekIs('null') || this.#peekIs('notnull')) lhs = this.#null();
    else if (this.#peekIs('and') || this.#peekIs('or')) lhs = this.#infix([]);
    else lhs = this.#comparison();
    return this.#peekIs('and') || this.#peekIs('or') ? this.#infix(lhs ? [lhs] : []) : lhs;
  }

  #infix(previous: SearchNode[]): SearchNode {
    const operator = this.#symbol(this.#next()) === 'or' ? 'or' : 'and';
    const rhs = this.#logical();
    return { kind: 'logical', operator, children: rhs ? [...previous, rhs] : previous };
  }

  #not(): SearchNode {
    this.#next();
    let operand: SearchNode;
    if (this.#peekIs('not')) operand = this.#not();
    else if (this.#peekIs('lparen')) operand = this.sequence(false);
    else operand = this.#comparison();
    if (operand.kind === 'logical' && operand.children.length === 0) {
      throw new QueryNotSupported('No operands found');
    }
    return { kind: 'not', operand };
  }

  #null(): SearchNode {
    const operator = this.#symbol(this.#next()) === 'null' ? 'null' : 'notnull';
    return { kind: 'null', operator, field: this.#value() };
  }

  #comparison(): SearchNode {
    if (this.#peekIs('comma')) this.#next();
    return this.#peek()?.kind === 'value' ? this.#infixComparison() : this.#prefixComparison();
  }

  #prefixComparison(): SearchNode {
    const symbol = this.#symbol(this.#next());
    if (symbol === 'in' || symbol === 'notin') {
      // `^ (a, b)` without a field: any default field equal to any of the values.
      const inclusion = symbol === 'in';
      const children: SearchNode[] = this.#multipleValues().map((value) => ({
        kind: 'comparison',
        operator: inclusion ? 'eq' : 'ne',
        field: null,
        value,
      }));
      return { kind: 'logical', operator: inclusion ? 'or' : 'and', children };
    }
    const value = this.#value();
    if (symbol && COMPARISON.has(symbol)) {
      return { kind: 'comparison', operator: symbol as ComparisonOperator, field: null, value };
    }
    if (symbol === 'not') return { kind: 'not', operand: { kind: 'leaf', value } };
    if (symbol === 'null' || symbol === 'notnull')
      return { kind: 'null', operator: symbol, field: value };
    return { kind: 'ignored', value };
  }

  #infixComparison(): SearchNode {
    const lhs = this.#value();
    const next = this.#peek();
    if (!next) return { kind: 'leaf', value: lhs };
    if (this.#peekIs('comma')) {
      this.#next();
      return { kind: 'leaf', value: lhs };
    }
    const symbol = next.kind === 'symbol' ? next.symbol : undefined;
    if (symbol && COMPARISON.has(symbol)) {
      this.#next();
      const operator = symbol as ComparisonOperator;
      return { kind: 'comparison', operator, field: lhs, value: this.#value() };
    }
    return { kind: 'leaf', value: lhs };
  }

  /** A single value; after ^ or !^ also a parenthesised list, joined with commas. */
  #value(): string {
    const next = this.#peek();
    if (next?.kind === 'value') {
      this.#next();
      return next.value;
    }
    const current = this.#symbol(this.#current);
    if (current === 'in' || current === 'notin') return this.#multipleValues().join(',');
    throw new QueryNotSupported(`Value expected but found ${inspectToken(next)}`);
  }

  /** `(v, v, v)`: values up to ')' or the end; symbols inside (commas too) are skipped. */
  #multipleValues(): string[] {
    if (this.#peekIs('lparen')) this.#next();
    const values: string[] = [];
    while (this.#peek() && !this.#peekIs('rparen')) {
      const token = this.#next();
      if (token?.kind === 'value') values.push(token.value);
    }
    if (this.#peekIs('rparen')) this.#next();
    return values;
  }

  #peek(): Token | undefined {
    return this.#tokens[0];
  }

  #peekIs(symbol: TokenSymbol): boolean {
    const token = this.#tokens[0];
    return token?.kind === 'symbol' && token.symbol === symbol;
  }

  #next(): Token | undefined {
    this.#current = this.#tokens.shift();
    return this.#current;
  }

  #symbol(token: Token | undefined): TokenSymbol | undefined {
    return token?.kind === 'symbol' ? token.symbol : undefined;
  }
}
