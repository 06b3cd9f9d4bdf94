import { writeFileSync } from 'node:fs';
import { printedSchema } from './schema/print.js';

/** Writes schema.graphql at the repository root (npm run schema:print). */
writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
console.log('wrote schema.graphql');
