import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * No work for answers already sent: one abort signal per GraphQL request reaches every upstream
 * call it makes, so a refused, finished or abandoned request cancels its queued and in-flight
 * calls; and time spent waiting for a slot or a socket counts toward each call's deadline.
 */

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** `images` with no parent: 1 call for the compute resources, then 1 per compute resource (7). */
const EVERYWHERE = '{ images(first: 5) { totalCount } }';

describe('cancellation', () => {
  it('a request refused part-way (upstream cap) cancels the calls it had queued', async () => {
    harness = await startHarness({
      env: { MAX_UPSTREAM_REQUESTS: '4', UPSTREAM_CONCURRENCY: '1' },
      demo: { latencyMs: 150 },
    });
    const result = await harness.query(EVERYWHERE);
    expect(result.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
    const atAnswer = harness.upstream().length;
    await sleep(800);
    // The compute-resource list, and at most the one call in flight when the answer went; the
    // calls queued behind it (three were admitted under the cap) are never sent.
    expect(atAnswer).toBeLessThanOrEqual(2);
    expect(harness.upstream()).toHaveLength(atAnswer);
  });

  it('a client that gives up cancels the rest of its upstream work', async () => {
    harness = await startHarness({
      env: { UPSTREAM_CONCURRENCY: '1' },
      demo: { latencyMs: 200 },
      logLevel: 'info',
    });
    const client = new AbortController();
    const request = fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      body: JSON.stringify({ query: EVERYWHERE }),
      signal: client.signal,
    }).catch((error: Error) => error);
    await sleep(300);
    client.abort();
    expect(await request).toBeInstanceOf(Error);
    await sleep(1_500);
    // Eight sequential calls of 200 ms each would take 1.6 s; the client left after 0.3 s.
    expect(harness.upstream().length).toBeLessThanOrEqual(3);
    // The operation is logged and counted as cancelled: its cancelled calls are nobody's errors.
    const operation = harness.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'graphql operation');
    expect(operation).toMatchObject({ cancelled: true });
    expect(operation).not.toHaveProperty('errorCodes');
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(
      /graphql_operation_duration_seconds_count\{operation_type="query",outcome="cancelled"\} 1\b/,
    );
    expect(metrics).not.toMatch(/graphql_errors_total\{/);
  });
});

describe('deadlines', () => {
  let hung: Server | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (hung ? hung.close(resolve) : resolve(undefined)));
  });

  it('time waiting for a socket counts: a hung Foreman times out every caller within its deadline', async () => {
    // Accepts connections and never answers.
    hung = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung?.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as { port: number };
    harness = await startHarness({
      foremanUrl: `http://127.0.0.1:${port}`,
      env: { FOREMAN_TIMEOUT_MS: '500', UPSTREAM_CONNECTIONS: '2' },
    });
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const result = await (harness as Harness).query('{ architectures { totalCount } }');
        return { code: result.errors?.[0]?.extensions?.code, ms: performance.now() - started };
      }),
    );
    expect(answers.map((a) => a.code)).toEqual(Array(10).fill('UPSTREAM_TIMEOUT'));
    // With 2 sockets and 10 callers, queueing alone would push the last past 5 × 500 ms.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1_500);
  });
});
