import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/error-codes.js';

/** The README is the users' contract: what it lists must be what the code has. */

const ROOT = path.resolve(import.meta.dirname, '..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function sectionOf(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README has "${heading}"`).toBeGreaterThan(-1);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  return readme.slice(start, next === -1 ? undefined : next);
}

describe('the README', () => {
  it('lists every error code a client can see in its Error codes table, and no other', () => {
    const table = sectionOf('## Error codes')
      .split('\n')
      .map((line) => /^\| `([A-Z_]+)` \|/.exec(line)?.[1])
      .filter((code): code is string => code !== undefined);
    expect(table.sort()).toEqual([...ERROR_CODES].sort());
  });

  it('documents every environment variable the gateway reads', () => {
    const sources = ['src/config.ts', 'src/demo/env-options.ts']
      .map((file) => path.join(ROOT, file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const variables = new Set(
      [
        ...sources.matchAll(
          /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|PORT|HOST|DEMO|GRAPHIQL|INTROSPECTION)'/g,
        ),
      ].map((match) => match[1] as string),
    );
    expect(variables.size).toBeGreaterThan(60);
    const undocumented = [...variables].filter((name) => !readme.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
  });
});
