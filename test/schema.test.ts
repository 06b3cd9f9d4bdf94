import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedPossibleTypes, printedSchema, printedSubgraph } from '../src/schema/print.js';

describe('schema.graphql', () => {
  it('is the schema the builder prints (run `npm run schema:print` after changing types)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printedSchema());
  });

  it('subgraph.graphql is the federation SDL the builder prints (npm run schema:print)', () => {
    const committed = readFileSync(new URL('../subgraph.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printedSubgraph());
    expect(committed).toContain('@key(fields: "foremanId")');
  });

  it('possible-types.json is what Apollo Client needs for its interfaces (npm run schema:print)', () => {
    const committed = readFileSync(new URL('../possible-types.json', import.meta.url), 'utf8');
    expect(committed).toBe(printedPossibleTypes());
    expect(JSON.parse(committed)).toEqual({
      ImageChangeDetails: ['ImageChange', 'ImageHistoryEntry'],
      MutationError: ['InputValidationError', 'NotFoundError'],
      Node: ['Architecture', 'ComputeResource', 'Image', 'OperatingSystem'],
    });
  });

  it('describes every type, field and argument (GraphiQL shows them)', () => {
    const undescribed = printedSchema()
      .split('\n')
      .map((line, index, lines) => ({ line, previous: lines[index - 1]?.trim() ?? '' }))
      .filter(
        ({ line, previous }) =>
          /^\s*(type|interface|scalar|\w+(\(|:))/.test(line) &&
          !line.trim().startsWith('"') &&
          !previous.endsWith('"""') &&
          !line.includes('implements') &&
          // Federation's own fields and types (`_service`, `_entities`, `_Any`) come undescribed.
          !/^\s*(type |scalar )?_/.test(line),
      );
    expect(undescribed.map(({ line }) => line.trim())).toEqual([]);
  });
});
