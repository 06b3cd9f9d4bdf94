import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/** HTTP that browsers, CDNs and client libraries understand. */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ env: { CORS_ORIGINS: 'https://app.example.com' } });
});

afterAll(() => harness.close());

const QUERY = encodeURIComponent('{ architectures(first: 2) { nodes { name } } }');

function get(headers: Record<string, string>) {
  return fetch(`${harness.url}/graphql?query=${QUERY}`, {
    headers: {
      accept: 'application/json',
      // What urql's and Apollo's GET requests must carry for CSRF prevention.
      'apollo-require-preflight': 'true',
      ...headers,
    },
  });
}

describe('GET queries', () => {
  it('carry per-caller caching headers and revalidate with an ETag', async () => {
    const first = await get({ authorization: basicAuth(DEMO_ADMIN) });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    expect(first.headers.get('vary')).toMatch(/Authorization/);
    expect(first.headers.get('vary')).toMatch(/Accept/);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    expect(await first.json()).toEqual({
      data: { architectures: { nodes: [{ name: 'x86_64' }, { name: 'i386' }] } },
    });

    harness.resetCounts();
    const again = await get({
      authorization: basicAuth(DEMO_ADMIN),
      'if-none-match': String(etag),
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);

    const changed = await get({
      authorization: basicAuth(DEMO_VIEWER),
      'if-none-match': '"other"',
    });
    expect(changed.status).toBe(200);
  });

  it('without the CSRF header a GET is refused, with a code', async () => {
    const response = await fetch(`${harness.url}/graphql?query=${QUERY}`, {
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(403);
    expect(
      ((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]
        ?.extensions.code,
    ).toBe('BAD_REQUEST');
  });

  it('the request id is readable across origins', async () => {
    const response = await get({
      authorization: basicAuth(DEMO_ADMIN),
      origin: 'https://app.example.com',
    });
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('health, metrics and the root', () => {
  it.each(['/healthz', '/readyz', '/metrics'])('HEAD %s works', async (path) => {
    const response = await fetch(`${harness.url}${path}`, { method: 'HEAD' });
    expect(response.status).toBe(200);
  });

  it('GET / leads to /graphql', async () => {
    const response = await fetch(`${harness.url}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
  });
});
