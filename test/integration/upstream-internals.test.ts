import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * No upstream internals reach a client: Foreman's 5xx bodies (database errors, hosts, passwords)
 * go to the log under the request id, the client gets a neutral message with the code, the
 * upstream status and that request id. Requests Foreman's front would refuse are refused here.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ logLevel: 'warn' });
});

afterAll(() => harness.close());

const LEAK =
  'PG::ConnectionBad: could not connect to postgres://foreman:dbpass@10.20.30.40:5432/foreman\n/usr/share/foreman/app/models/image.rb:12';

describe("Foreman's faults", () => {
  it('a 5xx body with database internals reaches the log, not the client', async () => {
    harness.demo.injectFault({
      path: '/api/architectures',
      status: 500,
      body: JSON.stringify({ error: { message: LEAK } }),
    });
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from('admin:changeme').toString('base64')}`,
        'x-request-id': 'leak-check-1',
      },
      body: JSON.stringify({ query: '{ architectures { totalCount } }' }),
    });
    const text = await response.text();
    expect(text).not.toMatch(/dbpass|10\.20\.30\.40|PG::|postgres|image\.rb/);
    expect(JSON.parse(text).errors[0]).toMatchObject({
      message: 'Foreman failed to answer (HTTP 500); request id leak-check-1',
      extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 500, requestId: 'leak-check-1' },
    });
    const logged = harness.logs
      .map((line) => JSON.parse(line) as { requestId?: string; detail?: string })
      .find((line) => line.requestId === 'leak-check-1' && line.detail);
    expect(logged?.detail).toContain('PG::ConnectionBad');
  });

  it("messages Foreman writes for users stay: a bad search is BAD_USER_INPUT with Foreman's words", async () => {
    const result = await harness.query(
      '{ architectures(search: "nosuchfield = 1") { totalCount } }',
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/nosuchfield/);
  });

  it('an answer larger than MAX_UPSTREAM_RESPONSE_BYTES is refused, not read whole', async () => {
    const small = await startHarness({ env: { MAX_UPSTREAM_RESPONSE_BYTES: '5000' } });
    try {
      const result = await small.query(
        '{ images(computeResourceId: "2", first: 100) { totalCount } }',
      );
      expect(result.errors?.[0]).toMatchObject({
        message: "Foreman's answer is larger than 5000 bytes",
        extensions: { code: 'UPSTREAM_ERROR' },
      });
    } finally {
      await small.close();
    }
  });
});

describe('requests Foreman would refuse are refused here, with no upstream call', () => {
  it('a multi-byte search within 1000 characters but too long once URL-encoded', async () => {
    harness.resetCounts();
    // 999 characters, but "中" is 9 bytes once encoded: about 8,900 bytes, past Apache's 8190.
    const search = `name = "${'中'.repeat(990)}"`;
    const result = await harness.query(
      `query($s: String) { images(search: $s, order: "name DESC") { totalCount } }`,
      { variables: { s: search } },
    );
    expect(result.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(result.errors?.[0]?.message).toMatch(/too long once URL-encoded/);
    expect(harness.upstream()).toEqual([]);
  });

  it('an image write naming an architecture that does not exist: a field error, no POST', async () => {
    harness.resetCounts();
    const result = await harness.query<{
      createImage: { image: unknown; errors: Array<{ message: string; path: string[] }> };
    }>(
      `mutation { createImage(input: { computeResourceId: "1", name: "x", username: "root",
        uuid: "/var/lib/libvirt/images/x.qcow2", architectureId: "4242", operatingSystemId: "1" }) {
        image { id } errors { message ... on InputValidationError { path } } } }`,
    );
    expect(result.data?.createImage).toEqual({
      image: null,
      errors: [{ message: 'Architecture 4242 was not found', path: ['input', 'architectureId'] }],
    });
    expect(harness.upstream().filter((r) => r.method === 'POST')).toEqual([]);
  });
});

describe('CORS', () => {
  it('"*" means any origin without credentials', async () => {
    const open = await startHarness({ env: { CORS_ORIGINS: '*' } });
    try {
      const response = await fetch(`${open.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://anywhere.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
      // The origin may read answers, but a browser sends no cookies or stored credentials with it.
      expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await open.close();
    }
  });
});
