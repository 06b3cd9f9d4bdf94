import { QueryNotSupported } from './errors.js';
import { type FieldValue, fieldByName, type SearchDefinition, type SearchField } from './fields.js';
import { ilikeMatcher, likePattern } from './like.js';
import { type ComparisonOperator, parseSearch, type SearchNode } from './parser.js';

export type Predicate<T> = (record: T) => boolean;

const INTEGER = /^-?\d+$/;

/** Sorting and `<`/`>` on text follow a linguistic collation, as PostgreSQL's en_US does. */
export const textCollator = new Intl.Collator('en-US');

/**
 * Compiles a search into a predicate the way scoped_search compiles it into SQL: every error
 * (unknown field, invalid value, unsupported operator) is raised here, before any record is
 * looked at. Null means "no condition". SQL NULL semantics are kept: any comparison with NULL is
 * false, and NOT turns it into true (scoped_search's NOT COALESCE(..., false)).
 */
export function compileSearch<T extends { id: number }>(
  query: string,
  definition: SearchDefinition<T>,
): Predicate<T> | null {
  const ast = parseSearch(query);
  return ast ? compileNode(ast, definition) : null;
}

function compileNode<T extends { id: number }>(
  node: SearchNode,
  definition: SearchDefinition<T>,
): Predicate<T> | null {
  switch (node.kind) {
    case 'logical': {
      const parts = node.children
        .map((child) => compileNode(child, definition))
        .filter((p): p is Predicate<T> => p !== null);
      if (parts.length === 0) return null;
      return node.operator === 'and'
        ? (r) => parts.every((p) => p(r))
        : (r) => parts.some((p) => p(r));
    }
    case 'not': {
      const inner = compileNode(node.operand, definition);
      return inner ? (r) => !inner(r) : null;
    }
    case 'null': {
      const field = requireField(definition, node.field);
      return node.operator === 'null'
        ? (r) => field.values(r).some((v) => v === null)
        : (r) => field.values(r).some((v) => v !== null);
    }
    case 'leaf':
      return compileLeaf(node.value, definition);
    case 'comparison':
      if (node.field === null) return anyDefaultField(definition, node.operator, node.value);
      return compileFieldComparison(definition, node.field, node.operator, node.value);
    case 'ignored':
      return null;
  }
}

function compileLeaf<T extends { id: number }>(value: string, definition: SearchDefinition<T>) {
  // A bare set-field name with a "true" value is short for `field = true` ("user_data").
  const field = fieldByName(definition, value);
  const trueKey = field?.set && Object.keys(field.set).find((k) => field.set?.[k] === true);
  if (field && trueKey) return setTest(field, 'eq', trueKey);
  return anyDefaultField(definition, undefined, value);
}

/** Bare terms and prefix comparisons: OR over the non-only_explicit fields of a fitting type. */
function anyDefaultField<T extends { id: number }>(
  definition: SearchDefinition<T>,
  operator: ComparisonOperator | undefined,
  value: string,
): Predicate<T> | null {
  const types: SearchField<T>['type'][] = [];
  if (operator === undefined || ['like', 'unlike', 'ne', 'eq'].includes(operator)) {
    types.push('string');
  }
  if (INTEGER.test(value)) types.push('integer');
  const tests = definition.fields
    .filter((f) => !f.onlyExplicit && !f.set && types.includes(f.type))
    .map((f) => sqlTest(f, operator ?? (f.type === 'string' ? 'like' : 'eq'), value));
  if (tests.length === 0) return null;
  return (r) => tests.some((t) => t(r));
}

function compileFieldComparison<T extends { id: number }>(
  definition: SearchDefinition<T>,
  name: string,
  operator: ComparisonOperator,
  value: string,
): Predicate<T> {
  const field = requireField(definition, name);
  const checked = operator === 'in' || operator === 'notin' ? rubySplit(value) : [value];
  for (const item of checked) {
    if (field.integerValidator && !INTEGER.test(item)) {
      throw new QueryNotSupported(`Value '${item}' is not valid for field '${field.column}'`);
    }
  }
  return sqlTest(field, operator, value);
}

function requireField<T extends { id: number }>(definition: SearchDefinition<T>, name: string) {
  const field = fieldByName(definition, name);
  if (!field) throw new QueryNotSupported(`Field '${name}' not recognized for searching!`);
  return field;
}

/** One field test; a has_many field matches when any associated row does. */
function sqlTest<T>(field: SearchField<T>, operator: ComparisonOperator, value: string) {
  if (field.set) return setTest(field, operator, value);
  if ((operator === 'like' || operator === 'unlike') && field.type !== 'string') {
    throw new QueryNotSupported(
      `the operator '${operator}' is not supported for field type '${field.type}'`,
    );
  }
  const test = valueTest(field, operator, value);
  return (r: T) => field.values(r).some((v) => v !== null && test(v));
}

function valueTest<T>(field: SearchField<T>, operator: ComparisonOperator, value: string) {
  const parse = (text: string): string | number => (field.type === 'integer' ? Number(text) : text);
  switch (operator) {
    case 'like':
    case 'unlike': {
      const matches = ilikeMatcher(likePattern(value));
      const positive = operator === 'like';
      return (v: Exclude<FieldValue, null>) => matches(String(v)) === positive;
    }
    case 'in':
    case 'notin': {
      const list = rubySplit(value).map((item) => parse(item.trim()));
      const positive = operator === 'in';
      return (v: Exclude<FieldValue, null>) => list.includes(v as string | number) === positive;
    }
    default: {
      const target = parse(value);
      return (v: Exclude<FieldValue, null>) => compareWith(operator, compareValues(v, target));
    }
  }
}

function compareWith(operator: ComparisonOperator, order: number): boolean {
  switch (operator) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
    case 'lt':
      return order < 0;
    default:
      return order <= 0;
  }
}

/** Equality is exact (PostgreSQL's deterministic collations); ordering is linguistic. */
export function compareValues(a: Exclude<FieldValue, null>, b: Exclude<FieldValue, null>) {
  if (typeof a === 'string' && typeof b === 'string') {
    return a === b ? 0 : textCollator.compare(a, b) || (a < b ? -1 : 1);
  }
  return Number(a) - Number(b);
}

/** Set fields (user_data): the value must be a key of the set, and only = and != apply. */
function setTest<T>(field: SearchField<T>, operator: ComparisonOperator, value: string) {
  const set = field.set ?? {};
  const translated = Object.hasOwn(set, value) ? set[value] : undefined;
  if (translated === undefined) {
    const keys = Object.keys(set).join(', ');
    throw new QueryNotSupported(
      `'${field.column}' should be one of '${keys}', but the query was '${value}'`,
    );
  }
  if (operator !== 'eq' && operator !== 'ne') {
    throw new QueryNotSupported(`Operator '${operator}' not supported for '${field.column}'`);
  }
  // scoped_search emits `col <> false` for true and `col = false` for false; != negates that.
  const positive = (v: FieldValue) => (translated ? v !== false : v === false);
  const wanted = operator === 'eq';
  return (r: T) => field.values(r).some((v) => v !== null && positive(v) === wanted);
}

/** Ruby's String#split(','): trailing empty strings are dropped. */
function rubySplit(value: string): string[] {
  const parts = value.split(',');
  while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  return parts;
}
