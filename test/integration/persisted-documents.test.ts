import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * Persisted documents in the three forms clients send: Apollo's `persistedQuery` extension,
 * the GraphQL-over-HTTP `documentId` (codegen's `sha256:<hex>`), and Relay's `doc_id`; over POST
 * and GET; and what happens without a manifest.
 */

const COUNT = 'query ArchitectureCount { architectures { totalCount } }';
const HASH = createHash('sha256').update(COUNT).digest('hex');
const EXPECTED = { data: { architectures: { totalCount: 5 } } };

let trusted: Harness;
let open: Harness;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'persisted-')), 'documents.json');
  writeFileSync(file, JSON.stringify({ [HASH]: COUNT, relayDocument7: COUNT }));
  [trusted, open] = await Promise.all([
    startHarness({ env: { PERSISTED_OPERATIONS_FILE: file } }),
    startHarness(),
  ]);
});

afterAll(() => Promise.all([trusted.close(), open.close()]));

const headers = {
  'content-type': 'application/json',
  authorization: basicAuth(DEMO_ADMIN),
  // The header urql and Apollo send on GET, for CSRF prevention.
  'apollo-require-preflight': 'true',
};

async function post(harness: Harness, body: unknown) {
  const response = await fetch(`${harness.url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return (await response.json()) as {
    data?: unknown;
    errors?: Array<{ message: string; extensions: { code: string } }>;
  };
}

async function get(harness: Harness, params: Record<string, string>) {
  const response = await fetch(`${harness.url}/graphql?${new URLSearchParams(params)}`, {
    headers,
  });
  return (await response.json()) as {
    data?: unknown;
    errors?: Array<{ extensions: { code: string } }>;
  };
}

describe('with a manifest, only its documents run', () => {
  it.each([
    ['Apollo, version 1', { extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } }],
    ['Apollo, without a version', { extensions: { persistedQuery: { sha256Hash: HASH } } }],
    ['documentId as codegen sends it', { documentId: `sha256:${HASH}` }],
    ['documentId, bare', { documentId: HASH }],
    ['Relay doc_id', { doc_id: 'relayDocument7' }],
  ])('POST with %s', async (_form, body) => {
    expect(await post(trusted, body)).toEqual(EXPECTED);
  });

  it.each([
    [
      'Apollo',
      { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HASH } }) },
    ],
    ['documentId', { documentId: `sha256:${HASH}` }],
    ['Relay doc_id', { doc_id: 'relayDocument7' }],
  ])('GET with %s', async (_form, params) => {
    expect(await get(trusted, params)).toEqual(EXPECTED);
  });

  it("a manifest document's own text runs, comments and layout aside (as GraphiQL sends it)", async () => {
    const pasted = `# from the manifest\nquery ArchitectureCount {\n  architectures {\n    totalCount\n  }\n}\n`;
    expect(await post(trusted, { query: pasted })).toEqual(EXPECTED);
  });

  it('with an id and the text, the text decides (as Apollo sends them after an unknown id)', async () => {
    const unknownId = { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } };
    expect(await post(trusted, { query: COUNT, extensions: unknownId })).toEqual(EXPECTED);
    const other = await post(trusted, {
      query: '{ computeResources { totalCount } }',
      extensions: unknownId,
    });
    expect(other.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_ONLY');
  });

  it('any other document is PERSISTED_QUERY_ONLY; an unknown id PERSISTED_QUERY_NOT_FOUND', async () => {
    const other = await post(trusted, { query: '{ computeResources { totalCount } }' });
    expect(other.data ?? null).toBeNull();
    expect(other.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_ONLY');
    const unknown = await post(trusted, { documentId: 'sha256:0000' });
    expect(unknown.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('GraphiQL opens on a manifest document and says why', async () => {
    const page = await fetch(`${trusted.url}/graphql`, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('runs only its persisted documents');
    expect(html).toContain('query ArchitectureCount');
  });
});

describe('without a manifest', () => {
  it('an id alone is PERSISTED_QUERY_NOT_SUPPORTED (Apollo Client then sends the text)', async () => {
    const result = await post(open, {
      extensions: { persistedQuery: { version: 1, sha256Hash: HASH } },
    });
    expect(result.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });

  it('an id with the text runs the text', async () => {
    expect(
      await post(open, {
        query: COUNT,
        extensions: { persistedQuery: { version: 1, sha256Hash: HASH } },
      }),
    ).toEqual(EXPECTED);
  });
});
