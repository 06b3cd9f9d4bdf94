import { DatabaseError, int4Literal, syntaxErrorAt } from '../database-errors.js';
import { QueryNotSupported } from './errors.js';
import { type FieldValue, fieldByName, type SearchDefinition, type SearchField } from './fields.js';
import { ilikeMatcher, likePattern } from './like.js';
import { type ComparisonOperator, parseSearch, type SearchNode } from './parser.js';
import { parseTemporal, type SearchTime } from './temporal.js';

export type Predicate<T> = (record: T) => boolean;

const INTEGER = /^-?\d+$/;

/** Sorting and `<`/`>` on text follow a linguistic collation, as PostgreSQL's en_US does. */
export const textCollator = new Intl.Collator('en-US');

/**
 * Compiles a search into a predicate the way scoped_search compiles it into SQL: every error
 * (unknown field, invalid value, unsupported operator) is raised here, before any record is
 * looked at. Null means "no condition". SQL NULL semantics are kept: any comparison with NULL is
 * false, and NOT turns it into true (scoped_search's NOT COALESCE(..., false)).
 *
 * What PostgreSQL itself would refuse when running the SQL (an integer literal out of range, or
 * no integer at all for a column without validator) is a DatabaseError, thrown only once the
 * whole query compiled: scoped_search's own 400s come first.
 */
export function compileSearch<T extends { id: number }>(
  query: string,
  definition: SearchDefinition<T>,
): Predicate<T> | null {
  const ast = parseSearch(query);
  if (!ast) return null;
  const compiler = new Compiler(definition);
  const predicate = compiler.node(ast);
  if (compiler.databaseError) throw compiler.databaseError;
  return predicate;
}

class Compiler<T extends { id: number }> {
  readonly #definition: SearchDefinition<T>;
  /** The first error PostgreSQL would raise running the SQL, in SQL order. */
  databaseError: DatabaseError | null = null;

  constructor(definition: SearchDefinition<T>) {
    this.#definition = definition;
  }

  node(node: SearchNode): Predicate<T> | null {
    switch (node.kind) {
      case 'logical': {
        const parts = node.children
          .map((child) => this.node(child))
          .filter((p): p is Predicate<T> => p !== null);
        if (parts.length === 0) return null;
        return node.operator === 'and'
          ? (r) => parts.every((p) => p(r))
          : (r) => parts.some((p) => p(r));
      }
      case 'not': {
        const inner = this.node(node.operand);
        return inner ? (r) => !inner(r) : null;
      }
      case 'null': {
        const field = this.#requireField(node.field);
        return node.operator === 'null'
          ? (r) => field.values(r).some((v) => v === null)
          : (r) => field.values(r).some((v) => v !== null);
      }
      case 'leaf':
        return this.#leaf(node.value);
      case 'comparison':
        if (node.field === null) return this.#anyDefaultField(node.operator, node.value);
        return this.#fieldComparison(node.field, node.operator, node.value);
      case 'ignored':
        return null;
    }
  }

  #leaf(value: string): Predicate<T> | null {
    // A bare set-field name with a "true" value is short for `field = true` ("user_data").
    const field = fieldByName(this.#definition, value);
    const trueKey = field?.set && Object.keys(field.set).find((k) => field.set?.[k] === true);
    if (field && trueKey) return setTest(field, 'eq', trueKey);
    return this.#anyDefaultField(undefined, value);
  }

  /**
   * Bare terms and prefix comparisons: OR over the non-only_explicit fields of a fitting type
   * (scoped_search's default_fields_for).
   */
  #anyDefaultField(operator: ComparisonOperator | undefined, value: string): Predicate<T> | null {
    const types: SearchField<T>['type'][] = [];
    if (operator === undefined || ['like', 'unlike', 'ne', 'eq'].includes(operator)) {
      types.push('string');
    }
    if (INTEGER.test(value)) types.push('integer');
    if (this.#definition.temporal && parseTemporal(value, this.#definition.temporal)) {
      types.push('datetime');
    }
    const tests = this.#definition.fields
      .filter((f) => !f.onlyExplicit && !f.set && types.includes(f.type))
      .map((f) => this.#sqlTest(f, operator ?? (f.type === 'string' ? 'like' : 'eq'), value))
      .filter((p): p is Predicate<T> => p !== null);
    if (tests.length === 0) return null;
    return (r) => tests.some((t) => t(r));
  }

  #fieldComparison(name: string, operator: ComparisonOperator, value: string): Predicate<T> | null {
    const field = this.#requireField(name);
    const checked = operator === 'in' || operator === 'notin' ? rubySplit(value) : [value];
    for (const item of checked) {
      const special = field.specialValues?.includes(item) ?? false;
      if (field.integerValidator && !special && !INTEGER.test(item)) {
        throw new QueryNotSupported(`Value '${item}' is not valid for field '${field.column}'`);
      }
    }
    return this.#sqlTest(field, operator, value);
  }

  #requireField(name: string): SearchField<T> {
    const field = fieldByName(this.#definition, name);
    if (!field) throw new QueryNotSupported(`Field '${name}' not recognized for searching!`);
    return field;
  }

  /** One field test; a has_many field matches when any associated row does. */
  #sqlTest(
    field: SearchField<T>,
    operator: ComparisonOperator,
    value: string,
  ): Predicate<T> | null {
    if (field.type === 'datetime') return this.#datetimeTest(field, operator, value);
    if (field.set) return setTest(field, operator, value);
    if ((operator === 'like' || operator === 'unlike') && field.type !== 'string') {
      throw unsupportedOperator(operator, field);
    }
    const test = this.#valueTest(field, operator, value);
    return (r: T) => field.values(r).some((v) => v !== null && test(v));
  }

  #valueTest(field: SearchField<T>, operator: ComparisonOperator, value: string) {
    switch (operator) {
      case 'like':
      case 'unlike': {
        const matches = ilikeMatcher(likePattern(value));
        const positive = operator === 'like';
        return (v: Exclude<FieldValue, null>) => matches(String(v)) === positive;
      }
      case 'in':
      case 'notin': {
        const list = rubySplit(value).map((item) => this.#literal(field, item.trim()));
        const positive = operator === 'in';
        return (v: Exclude<FieldValue, null>) => list.includes(v as string | number) === positive;
      }
      default: {
        const target = this.#literal(field, value);
        return (v: Exclude<FieldValue, null>) => compareWith(operator, compareValues(v, target));
      }
    }
  }

  /** A query value as the column compares it: translated, and cast by PostgreSQL for integers. */
  #literal(field: SearchField<T>, text: string): string | number {
    const value = field.translate ? field.translate(text) : text;
    if (field.type !== 'integer') return value;
    const cast = int4Literal(value);
    if (cast instanceof DatabaseError) {
      this.databaseError ??= cast;
      return Number.NaN;
    }
    return cast;
  }

  /**
   * scoped_search 4.1.12's datetime_test: `=` matches [t, t + span), `!=` the rest, `>` and `<=`
   * first move t by the span, `>=` and `<` are exact. An unparsable value drops the condition.
   */
  #datetimeTest(
    field: SearchField<T>,
    operator: ComparisonOperator,
    value: string,
  ): Predicate<T> | null {
    const temporal = this.#definition.temporal;
    const time: SearchTime | null = temporal ? parseTemporal(value, temporal) : null;
    if (!time) return null;
    const { at, spanMs } = time;
    const within = (v: number) => v >= at && v < at + spanMs;
    const test = (predicate: (v: number) => boolean) => (r: T) =>
      field.values(r).some((v) => typeof v === 'number' && predicate(v));
    switch (operator) {
      case 'eq':
        return test(within);
      case 'ne':
        return (r) => !field.values(r).some((v) => typeof v === 'number' && within(v));
      case 'gt':
        return test((v) => v >= at + spanMs);
      case 'lte':
        return test((v) => v < at + spanMs);
      case 'gte':
        return test((v) => v >= at);
      case 'lt':
        return test((v) => v < at);
      case 'like':
      case 'unlike':
        throw unsupportedOperator(operator, field);
      default:
        // `time ^ x` becomes "created_at IN '<timestamp>'", which PostgreSQL cannot parse.
        this.databaseError ??= syntaxErrorAt(dbTimestamp(at));
        return null;
    }
  }
}

function unsupportedOperator<T>(operator: ComparisonOperator, field: SearchField<T>) {
  return new QueryNotSupported(
    `the operator '${operator}' is not supported for field type '${field.type}'`,
  );
}

/** Rails' quoted timestamp: UTC, "YYYY-MM-DD HH:MM:SS". */
function dbTimestamp(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
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

/**
 * Set fields (user_data, an audit's type): the value must be a key of the set, checked before
 * the operator, and only = and != apply.
 */
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
  const wanted = operator === 'eq';
  if (typeof translated === 'string') {
    return (r: T) => field.values(r).some((v) => v !== null && (v === translated) === wanted);
  }
  // scoped_search emits `col <> false` for true and `col = false` for false; != negates that.
  const positive = (v: FieldValue) => (translated ? v !== false : v === false);
  return (r: T) => field.values(r).some((v) => v !== null && positive(v) === wanted);
}

/** Ruby's String#split(','): trailing empty strings are dropped. */
function rubySplit(value: string): string[] {
  const parts = value.split(',');
  while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  return parts;
}
