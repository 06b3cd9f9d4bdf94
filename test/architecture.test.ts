import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering the README describes, checked on the import graph of src/: the schema asks the
 * per-request Foreman API and never the HTTP transport or the REST path builders; the Foreman
 * layer knows nothing of GraphQL; and no module imports itself through others.
 */

const SRC = path.resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every import (value or type) of a file: package names, or resolved paths inside src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g)]
    .concat([...text.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)])
    .map((match) => match[1] as string);
  return specifiers.map((specifier) =>
    specifier.startsWith('.')
      ? path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts')
      : specifier,
  );
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const relative = (file: string) => path.relative(SRC, file);

describe('module layering', () => {
  it('reads the import graph (value and type imports alike)', () => {
    expect(graph.get(path.join(SRC, 'context.ts'))).toContain(path.join(SRC, 'foreman/api.ts'));
    expect(graph.get(path.join(SRC, 'schema/types/image-input.ts'))).toContain(
      path.join(SRC, 'foreman/api.ts'),
    );
  });

  it('the schema imports only itself, the API, the Foreman record types and the error codes', () => {
    // What the schema may use of the rest of src/: the request's context (its type), the
    // ForemanApi and the types and helpers it speaks in (records, resources, changes, lists,
    // timestamps, its errors), the error codes, and the cost limits it applies to lists. Never
    // the transport, the REST builders, live changes, Redis, the plugins or the server.
    const allowed = new Set([
      'context.ts',
      'error-codes.ts',
      'foreman/api.ts',
      'foreman/changes.ts',
      'foreman/errors.ts',
      'foreman/lists.ts',
      'foreman/records.ts',
      'foreman/resources.ts',
      'foreman/timestamps.ts',
      'limits/cost-meter.ts',
    ]);
    const offending = files
      .filter((file) => relative(file).startsWith('schema/'))
      .flatMap((file) =>
        (graph.get(file) ?? [])
          .filter((target) => target.startsWith(SRC))
          .map(relative)
          .filter((target) => !target.startsWith('schema/') && !allowed.has(target))
          .map((target) => `${relative(file)} → ${target}`),
      );
    expect(offending).toEqual([]);
  });

  it('the Foreman layer imports nothing from GraphQL or the schema', () => {
    const offending = files
      .filter((file) => relative(file).startsWith('foreman/'))
      .flatMap((file) =>
        (graph.get(file) ?? [])
          .filter(
            (target) =>
              /^(graphql|@pothos|graphql-yoga)/.test(target) ||
              relative(target).startsWith('schema/'),
          )
          .map((target) => `${relative(file)} → ${target}`),
      );
    expect(offending).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map(relative).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) {
        if (graph.has(target)) visit(target, [...trail, file]);
      }
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
