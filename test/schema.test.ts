import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/schema/print.js';

describe('schema.graphql', () => {
  it('is the schema the builder prints (run `npm run schema:print` after changing types)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printedSchema());
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
          !line.includes('implements'),
      );
    expect(undescribed.map(({ line }) => line.trim())).toEqual([]);
  });
});
