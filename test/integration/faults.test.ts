import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

/*
 * The fault matrix: what Foreman (or a proxy in front of it) does, what the client sees.
 * Fast timeouts and retry delays keep this quick; no assertion depends on timing.
 */

let harness: Harness;
const ARCHITECTURES = '/api/architectures';

beforeAll(async () => {
  harness = await startHarness({
    env: { FOREMAN_TIMEOUT_MS: '300', UPSTREAM_RETRY_BASE_MS: '5', UPSTREAM_RETRIES: '2' },
  });
});

afterEach(() => harness.demo.clearFaults());
afterAll(() => harness.close());

const QUERY = '{ architectures { totalCount } operatingSystems { totalCount } }';

async function queryWithFault() {
  harness.resetCounts();
  const result = await harness.query<{
    architectures: { totalCount: number } | null;
    operatingSystems: { totalCount: number } | null;
  }>(QUERY);
  const calls = harness.upstream().filter((r) => r.path === ARCHITECTURES).length;
  return { result, calls };
}

describe('upstream faults on a GET', () => {
  it.each([502, 503, 504])('%i once: retried, and the client sees data', async (status) => {
    harness.demo.injectFault({ path: ARCHITECTURES, status, times: 1 });
    const { result, calls } = await queryWithFault();
    expect(result.errors).toBeUndefined();
    expect(result.data?.architectures?.totalCount).toBeGreaterThan(0);
    expect(calls).toBe(2);
  });

  it('503 with Retry-After: honoured (one retry), then data', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, status: 503, headers: { 'retry-after': '1' } });
    const { result, calls } = await queryWithFault();
    expect(result.data?.architectures?.totalCount).toBeGreaterThan(0);
    expect(calls).toBe(2);
  });

  it('a Retry-After too long to wait for is not waited for', async () => {
    harness.demo.injectFault({
      path: ARCHITECTURES,
      status: 503,
      headers: { 'retry-after': '3600' },
    });
    const { result, calls } = await queryWithFault();
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(calls).toBe(1);
  });

  it('502 every time: 1 + 2 retries, then UPSTREAM_ERROR on that field only, siblings intact', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, status: 502, times: Number.POSITIVE_INFINITY });
    const { result, calls } = await queryWithFault();
    expect(calls).toBe(3);
    expect(result.data?.architectures).toBeNull();
    expect(result.data?.operatingSystems?.totalCount).toBeGreaterThan(0);
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['architectures'],
        message: expect.stringMatching(/^Foreman failed to answer \(HTTP 502\); request id \S+$/),
        extensions: {
          code: 'UPSTREAM_ERROR',
          upstreamCause: 'foreman_error',
          upstreamStatus: 502,
          requestId: expect.any(String),
        },
      }),
    ]);
  });

  it('a dropped connection is retried', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, drop: true, times: 1 });
    const { result, calls } = await queryWithFault();
    expect(result.data?.architectures?.totalCount).toBeGreaterThan(0);
    expect(calls).toBe(2);
  });

  it('dropped every time: UPSTREAM_UNAVAILABLE', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, drop: true, times: Number.POSITIVE_INFINITY });
    const { result, calls } = await queryWithFault();
    expect(calls).toBe(3);
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(result.data?.operatingSystems?.totalCount).toBeGreaterThan(0);
  });

  it('no answer within FOREMAN_TIMEOUT_MS: UPSTREAM_TIMEOUT, not retried', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, delayMs: 2_000 });
    const { result, calls } = await queryWithFault();
    expect(calls).toBe(1);
    expect(result.errors?.[0]).toMatchObject({
      path: ['architectures'],
      message: 'Foreman did not answer in time',
      extensions: { code: 'UPSTREAM_TIMEOUT' },
    });
  });

  it('a body that stalls longer than FOREMAN_TIMEOUT_MS: UPSTREAM_TIMEOUT, not retried', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, bodyStallMs: 2_000 });
    const { result, calls } = await queryWithFault();
    expect(calls).toBe(1);
    expect(result.errors?.[0]).toMatchObject({
      path: ['architectures'],
      extensions: { code: 'UPSTREAM_TIMEOUT' },
    });
    expect(result.data?.operatingSystems?.totalCount).toBeGreaterThan(0);
  });

  it('an HTML 500 page: UPSTREAM_ERROR with no HTML in the message, not retried', async () => {
    harness.demo.injectFault({
      path: ARCHITECTURES,
      status: 500,
      contentType: 'text/html',
      body: '<html><body><h1>We are sorry</h1><pre>stack trace /usr/share/foreman</pre></body></html>',
    });
    const { result, calls } = await queryWithFault();
    expect(calls).toBe(1);
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(JSON.stringify(result)).not.toMatch(/<html|stack trace|\/usr\/share/);
  });

  it('malformed JSON with a 200: UPSTREAM_ERROR', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, status: 200, body: '{"results": [' });
    const { result } = await queryWithFault();
    expect(result.errors?.[0]).toMatchObject({
      message: 'Foreman answered with a body that is not JSON',
      extensions: { code: 'UPSTREAM_ERROR' },
    });
  });

  it('a 200 that is not an index: UPSTREAM_ERROR', async () => {
    harness.demo.injectFault({ path: ARCHITECTURES, status: 200, body: '{"unexpected": true}' });
    const { result } = await queryWithFault();
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
  });

  it('after all of that the gateway still serves', async () => {
    const { result } = await queryWithFault();
    expect(result.errors).toBeUndefined();
  });
});

describe('writes are never retried', () => {
  it.each([502, 503, 504])('a POST answered %i reaches Foreman once', async (status) => {
    harness.demo.injectFault({ method: 'POST', status, times: Number.POSITIVE_INFINITY });
    harness.resetCounts();
    const result = await harness.query(
      `mutation { createImage(input: { computeResourceId: "1", name: "n", username: "u", uuid: "u",
         architectureId: "1", operatingSystemId: "1" }) { errors { message } } }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(harness.upstream().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a dropped POST is not retried either', async () => {
    harness.demo.injectFault({ method: 'POST', drop: true, times: Number.POSITIVE_INFINITY });
    harness.resetCounts();
    const result = await harness.query(
      `mutation { createImage(input: { computeResourceId: "1", name: "n", username: "u", uuid: "u",
         architectureId: "1", operatingSystemId: "1" }) { errors { message } } }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(harness.upstream().filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('bounded concurrency towards Foreman', () => {
  it('all requests together keep at most UPSTREAM_CONNECTIONS calls in flight', async () => {
    const limited = await startHarness({ env: { UPSTREAM_CONNECTIONS: '3' } });
    try {
      limited.demo.injectFault({
        path: ARCHITECTURES,
        delayMs: 40,
        times: Number.POSITIVE_INFINITY,
      });
      let maxInFlight = 0;
      const sampler = setInterval(() => {
        const inFlight = limited.demo.requests.filter((r) => r.status === 0).length;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }, 5);
      // Distinct searches: identical reads in flight at once would share one call.
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          limited.query(`{ architectures(search: "id > ${n}") { totalCount } }`),
        ),
      );
      clearInterval(sampler);
      expect(results.every((r) => r.errors === undefined)).toBe(true);
      expect(limited.demo.requests).toHaveLength(12);
      expect(maxInFlight).toBe(3);
    } finally {
      await limited.close();
    }
  });

  it('one request keeps at most UPSTREAM_CONCURRENCY calls in flight', async () => {
    const limited = await startHarness({ env: { UPSTREAM_CONCURRENCY: '2' } });
    try {
      // Slow down every image list so in-flight calls overlap and can be counted.
      limited.demo.injectFault({ path: /\/images$/, delayMs: 60, times: Number.POSITIVE_INFINITY });
      let maxInFlight = 0;
      const sampler = setInterval(() => {
        const inFlight = limited.demo.requests.filter((r) => r.status === 0).length;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }, 5);
      const result = await limited.query<{ images: { totalCount: number } }>(
        '{ images(first: 5) { totalCount } }',
      );
      clearInterval(sampler);
      expect(result.data?.images.totalCount).toBe(464);
      expect(maxInFlight).toBe(2);
    } finally {
      await limited.close();
    }
  });
});
