import { writeFileSync } from 'node:fs';
import { printedSchema, printedSubgraph } from './schema/print.js';

/** Writes schema.graphql and subgraph.graphql at the repository root (npm run schema:print). */
writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
writeFileSync(new URL('../subgraph.graphql', import.meta.url), printedSubgraph());
console.log('wrote schema.graphql and subgraph.graphql');
