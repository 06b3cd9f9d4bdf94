import { QueryNotSupported } from './errors.js';
import { compareValues } from './evaluator.js';
import { type FieldValue, fieldByName, type SearchDefinition } from './fields.js';

export type Comparator<T> = (a: T, b: T) => number;

/**
 * scoped_search's order_by: `"<field> [direction]"`, split once on whitespace; only a direction
 * of exactly "desc" (any case) sorts descending. NULLs sort first ascending and last descending,
 * as scoped_search's PostgreSQL adapter asks for. Ties fall back to the id so pages are stable.
 * Returns null for a blank order (the resource's default order applies).
 */
export function compileOrder<T extends { id: number }>(
  order: string | undefined,
  definition: SearchDefinition<T>,
): Comparator<T> | null {
  if (order === undefined || order.trim() === '') return null;
  const match = /\s+/.exec(order);
  const fieldName = match ? order.slice(0, match.index) : order;
  const direction = match ? order.slice(match.index + match[0].length) : undefined;
  const field = fieldByName(definition, fieldName);
  if (!field) {
    throw new QueryNotSupported(
      `the field '${fieldName}' in the order statement is not valid field for search`,
    );
  }
  const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
  return (a, b) => {
    const byField = compareNullsFirst(field.values(a)[0] ?? null, field.values(b)[0] ?? null);
    return byField !== 0 ? sign * byField : a.id - b.id;
  };
}

function compareNullsFirst(a: FieldValue, b: FieldValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compareValues(a, b);
}
