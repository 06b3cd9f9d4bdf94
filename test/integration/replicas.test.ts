import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import { basicAuth } from '../helpers/harness.js';
import {
  type GatewayProcess,
  type RedisProcess,
  startGatewayProcess,
  startRedis,
} from '../helpers/processes.js';
import { subscribe } from '../helpers/sse.js';

/**
 * Two gateway processes sharing a real redis-server (Debian's package; `.ci/run` installs it):
 * a write through one reaches a subscriber on the other once, and the failed-login protection
 * spends one budget of Foreman's, not two.
 */

const haveRedis = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].some(existsSync);
const INTERVAL_MS = 200;

describe.skipIf(!haveRedis)('two replicas with REDIS_URL', () => {
  let demo: DemoUpstream;
  let redis: RedisProcess;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    demo = await startDemoUpstream();
    redis = await startRedis();
    const env = {
      FOREMAN_URL: demo.url,
      REDIS_URL: redis.url,
      AUDIT_POLL_INTERVAL_MS: String(INTERVAL_MS),
      // The tests' callers all come from 127.0.0.1; X-Forwarded-For tells them apart.
      TRUSTED_PROXIES: '127.0.0.1',
    };
    [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  }, 60_000);

  afterAll(async () => {
    a?.kill();
    b?.kill();
    await redis?.stop();
    await demo?.close();
  });

  beforeEach(async () => {
    demo.resetData();
    await redis.flush();
  });

  async function query(
    replica: GatewayProcess,
    text: string,
    authorization: string,
    client = '203.0.113.1',
  ) {
    const response = await fetch(`${replica.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization, 'x-forwarded-for': client },
      body: JSON.stringify({ query: text }),
    });
    return (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: Array<{ extensions?: { code?: string } }>;
    };
  }

  it('a write through replica A reaches a subscriber on replica B once', async () => {
    const stream = await subscribe<{
      data?: { imageChanged: { action: string; foremanId: number } };
    }>(b.url, 'subscription { imageChanged { action foremanId changedBy } }', {
      headers: { authorization: basicAuth(DEMO_ADMIN) },
    });
    await sleep(INTERVAL_MS * 2);
    const image = demo.store.images.find((i) => i.computeResourceId === 1);
    if (!image) throw new Error('no image in compute resource 1');
    const started = performance.now();
    await query(
      a,
      `mutation { updateImage(input: { id: "${image.id}", name: "via-replica-a" }) { errors { message } } }`,
      basicAuth(DEMO_ADMIN),
    );
    await stream.waitFor(1);
    const latencyMs = performance.now() - started;
    // B's own tail reads the same write's audit row: it must not be told again.
    await sleep(INTERVAL_MS * 6);
    expect(stream.received.map((event) => event.data?.imageChanged)).toEqual([
      { action: 'UPDATED', foremanId: image.id, changedBy: 'admin' },
    ]);
    console.info(`write on A → event on B: ${latencyMs.toFixed(0)} ms`);
    stream.close();
  });

  it('40 requests with a stale password, spread over both replicas, leave the admin served', async () => {
    const stale = `Basic ${Buffer.from('admin:last-years-password').toString('base64')}`;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        query(n % 2 === 0 ? a : b, '{ architectures { totalCount } }', stale),
      ),
    );
    expect(results.every((r) => r.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
    // Each replica may try it once before the other's refusal is in Redis; never more.
    expect(demo.failedLogins('127.0.0.1')).toBeLessThanOrEqual(2);
    for (const replica of [a, b]) {
      const admin = await query(replica, '{ architectures { totalCount } }', basicAuth(DEMO_ADMIN));
      expect(admin.errors).toBeUndefined();
    }
  });

  it('the budget of failed logins is one for both replicas', async () => {
    // 40 different wrong passwords, half through each replica: without sharing, each replica
    // would let its own 20 through (40, past Foreman's 30).
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        query(
          n % 2 === 0 ? a : b,
          '{ architectures { totalCount } }',
          `Basic ${Buffer.from(`admin:wrong-${n}`).toString('base64')}`,
          `198.51.100.${n + 1}`,
        ),
      ),
    );
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(20);
    expect(demo.failedLogins('127.0.0.1')).toBe(20);
    expect(
      (await query(a, '{ architectures { totalCount } }', basicAuth(DEMO_ADMIN))).errors,
    ).toBeUndefined();
  });
});
