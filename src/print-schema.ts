import { writeFileSync } from 'node:fs';
import { printedPossibleTypes, printedSchema, printedSubgraph } from './schema/print.js';

/**
 * Writes schema.graphql, subgraph.graphql and possible-types.json at the repository root
 * (npm run schema:print).
 */
writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
writeFileSync(new URL('../subgraph.graphql', import.meta.url), printedSubgraph());
writeFileSync(new URL('../possible-types.json', import.meta.url), printedPossibleTypes());
console.log('wrote schema.graphql, subgraph.graphql and possible-types.json');
