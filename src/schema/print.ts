import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** The public contract as committed in schema.graphql: sorted, so diffs show real changes. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/** The federation SDL a supergraph composes (with @key and @link), as committed in subgraph.graphql. */
export function printedSubgraph(): string {
  return `${printSubgraphSchema(schema)}\n`;
}
