import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** The public contract as committed in schema.graphql: sorted, so diffs show real changes. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
