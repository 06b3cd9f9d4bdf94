import { printSubgraphSchema } from '@apollo/subgraph';
import { isAbstractType, lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** The public contract as committed in schema.graphql: sorted, so diffs show real changes. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** The federation SDL a supergraph composes (with @key and @link), as committed in subgraph.graphql. */
export function printedSubgraph(): string {
  return `${printSubgraphSchema(schema)}\n`;
}

/**
 * Apollo Client's `possibleTypes` (each interface or union → the types that implement it, as
 * committed in possible-types.json): without them it cannot match fragments on `Node` or on the
 * mutation payloads' `MutationError` against cached objects. Federation's own types left out.
 */
export function printedPossibleTypes(): string {
  const possibleTypes = Object.fromEntries(
    Object.values(schema.getTypeMap())
      .filter((type) => isAbstractType(type) && !type.name.startsWith('_'))
      .map((type) => [
        type.name,
        schema
          .getPossibleTypes(type as Parameters<typeof schema.getPossibleTypes>[0])
          .map((possible) => possible.name)
          .sort(),
      ])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
  return `${JSON.stringify(possibleTypes, null, 2)}\n`;
}
