import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import { basicAuth } from '../helpers/harness.js';
import {
  type GatewayProcess,
  haveRedis,
  type RedisProcess,
  startGatewayProcess,
  startRedis,
} from '../helpers/processes.js';
import { subscribe } from '../helpers/sse.js';

/**
 * Two gateway processes sharing a real redis-server (Debian's package; `.ci/run` installs it):
 * a write through one reaches a subscriber on the other once, and the failed-login protection
 * spends one budget of Foreman's, not two, keeping nothing secret in Redis. Without
 * SHARED_SECRET only the budgets are shared; while Redis is away each replica spends its share.
 */

const INTERVAL_MS = 200;
const SHARED_SECRET = 'replicas-test-secret-0123456789abcdef';
const IMAGE_CHANGED = 'subscription { imageChanged { action foremanId changedBy } }';

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

function wrongPassword(n: number): string {
  return `Basic ${Buffer.from(`admin:wrong-${n}`).toString('base64')}`;
}

/** A counter's value in a replica's /metrics (0 when it has never counted). */
async function metric(replica: GatewayProcess, series: string): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Runs redis-cli against `redis` and answers its output. */
function redisCli(redis: RedisProcess, ...args: string[]): string {
  const port = new URL(redis.url).port;
  return execFileSync('redis-cli', ['-p', port, ...args], { encoding: 'utf8' }).trim();
}

/** A demo Foreman, a Redis, and two gateway processes sharing both, with `env` besides. */
async function startReplicas(env: Record<string, string>) {
  const demo = await startDemoUpstream();
  const redis = await startRedis();
  const shared = { FOREMAN_URL: demo.url, REDIS_URL: redis.url, ...env };
  const [a, b] = await Promise.all([startGatewayProcess(shared), startGatewayProcess(shared)]);
  return { demo, redis, a, b };
}

async function stopReplicas(replicas: {
  demo?: DemoUpstream;
  redis?: RedisProcess;
  a?: GatewayProcess;
  b?: GatewayProcess;
}): Promise<void> {
  replicas.a?.kill();
  replicas.b?.kill();
  await replicas.redis?.stop();
  await replicas.demo?.close();
}

// One suite title, which .ci/run requires to have run and passed where redis-server is installed.
describe.skipIf(!haveRedis)('two replicas with REDIS_URL', () => {
  describe('sharing SHARED_SECRET', () => {
    let demo: DemoUpstream;
    let redis: RedisProcess;
    let a: GatewayProcess;
    let b: GatewayProcess;

    beforeAll(async () => {
      ({ demo, redis, a, b } = await startReplicas({
        SHARED_SECRET,
        AUDIT_POLL_INTERVAL_MS: String(INTERVAL_MS),
        // The tests' callers all come from 127.0.0.1; X-Forwarded-For tells them apart.
        TRUSTED_PROXIES: '127.0.0.1',
      }));
    }, 60_000);

    afterAll(() => stopReplicas({ demo, redis, a, b }));

    beforeEach(async () => {
      demo.resetData();
      await redis.flush();
    });

    it('a write through replica A reaches a subscriber on replica B once', async () => {
      const stream = await subscribe<{
        data?: { imageChanged: { action: string; foremanId: number } };
      }>(b.url, IMAGE_CHANGED, {
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

    it("a write through replica A is told once to A's own subscribers too", async () => {
      const stream = await subscribe<{
        data?: { imageChanged: { action: string; foremanId: number } };
      }>(a.url, IMAGE_CHANGED, {
        headers: { authorization: basicAuth(DEMO_ADMIN) },
      });
      await sleep(INTERVAL_MS * 2);
      const image = demo.store.images.find((i) => i.computeResourceId === 1);
      if (!image) throw new Error('no image in compute resource 1');
      await query(
        a,
        `mutation { updateImage(input: { id: "${image.id}", name: "told-once-on-a" }) { errors { message } } }`,
        basicAuth(DEMO_ADMIN),
      );
      await stream.waitFor(1);
      // A hears its own announcement back over Redis, and its tail reads the write's audit row:
      // neither may tell it again.
      await sleep(INTERVAL_MS * 6);
      expect(stream.received.map((event) => event.data?.imageChanged)).toEqual([
        { action: 'UPDATED', foremanId: image.id, changedBy: 'admin' },
      ]);
      stream.close();
    });

    it('40 requests with a stale password, spread over both replicas, leave the admin served', async () => {
      const stale = `Basic ${Buffer.from('admin:last-years-password').toString('base64')}`;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          query(n % 2 === 0 ? a : b, '{ architectures { totalCount } }', stale),
        ),
      );
      expect(results.every((r) => r.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED')).toBe(
        true,
      );
      // Each replica may try it once before the other's refusal is in Redis; never more.
      expect(demo.failedLogins('127.0.0.1')).toBeLessThanOrEqual(2);
      for (const replica of [a, b]) {
        const admin = await query(
          replica,
          '{ architectures { totalCount } }',
          basicAuth(DEMO_ADMIN),
        );
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
            wrongPassword(n),
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

    it('keeps nothing secret in Redis: no hash key, only counters and keyed hashes', async () => {
      // A credential no earlier test used: each replica also remembers refusals of its own.
      const stale = `Basic ${Buffer.from('admin:the-year-before-last').toString('base64')}`;
      await query(a, '{ architectures { totalCount } }', stale);
      await query(b, '{ architectures { totalCount } }', basicAuth(DEMO_ADMIN));
      const keys = redisCli(redis, 'KEYS', '*').split('\n').sort();
      expect(keys).toHaveLength(3);
      expect(keys[0]).toBe('foreman-images-graphql:login:failures:client:203.0.113.1');
      expect(keys[1]).toBe('foreman-images-graphql:login:failures:foreman:gateway');
      expect(keys[2]).toMatch(/^foreman-images-graphql:login:refused:[A-Za-z0-9_-]{43}$/);
      const values = keys.map((key) => redisCli(redis, 'GET', key));
      expect(values).toEqual(['1', '1', '1']);
      // The refusal is the replicas' shared one: B refuses the credential without asking Foreman.
      demo.resetRequests();
      const again = await query(b, '{ architectures { totalCount } }', stale);
      expect(again.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(demo.requests).toHaveLength(0);
    });
  });

  describe('without SHARED_SECRET', () => {
    let demo: DemoUpstream;
    let redis: RedisProcess;
    let a: GatewayProcess;
    let b: GatewayProcess;

    beforeAll(async () => {
      ({ demo, redis, a, b } = await startReplicas({
        AUDIT_POLL_INTERVAL_MS: String(INTERVAL_MS),
        TRUSTED_PROXIES: '127.0.0.1',
      }));
    }, 60_000);

    afterAll(() => stopReplicas({ demo, redis, a, b }));

    beforeEach(async () => {
      demo.resetData();
      await redis.flush();
    });

    it('says at start that announcements are not shared, and does not listen for them', () => {
      for (const replica of [a, b]) {
        const warnings = replica
          .output()
          .split('\n')
          .filter((line) => line.includes('REDIS_URL without SHARED_SECRET'));
        expect(warnings).toHaveLength(1);
        expect(JSON.parse(warnings[0] as string)).toMatchObject({ level: 40 });
      }
      expect(
        redisCli(redis, 'PUBSUB', 'NUMSUB', 'foreman-images-graphql:image-changes').split('\n'),
      ).toEqual(['foreman-images-graphql:image-changes', '0']);
    });

    it("tells a write through A to B's subscribers from the audit log, and A's at once", async () => {
      const onA = await subscribe<{ data?: { imageChanged: { foremanId: number } } }>(
        a.url,
        IMAGE_CHANGED,
        { headers: { authorization: basicAuth(DEMO_ADMIN) } },
      );
      const onB = await subscribe<{ data?: { imageChanged: { foremanId: number } } }>(
        b.url,
        IMAGE_CHANGED,
        { headers: { authorization: basicAuth(DEMO_ADMIN) } },
      );
      await sleep(INTERVAL_MS * 2);
      const image = demo.store.images.find((i) => i.computeResourceId === 1);
      if (!image) throw new Error('no image in compute resource 1');
      await query(
        a,
        `mutation { updateImage(input: { id: "${image.id}", name: "no-secret" }) { errors { message } } }`,
        basicAuth(DEMO_ADMIN),
      );
      await Promise.all([onA.waitFor(1), onB.waitFor(1)]);
      expect(onB.received.map((event) => event.data?.imageChanged.foremanId)).toEqual([image.id]);
      expect(await metric(a, 'live_events_total{source="gateway"}')).toBe(1);
      expect(await metric(b, 'live_events_total{source="gateway"}')).toBe(0);
      expect(await metric(b, 'live_events_total{source="audit"}')).toBe(1);
      onA.close();
      onB.close();
    });

    it('shares the budgets but keeps refused credentials on each replica', async () => {
      const stale = `Basic ${Buffer.from('admin:last-years-password').toString('base64')}`;
      for (const replica of [a, b, a, b]) {
        const result = await query(replica, '{ architectures { totalCount } }', stale);
        expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      // Once per replica: each remembers its own refusal.
      expect(demo.failedLogins('127.0.0.1')).toBe(2);
      expect(redisCli(redis, 'KEYS', '*').split('\n').sort()).toEqual([
        'foreman-images-graphql:login:failures:client:203.0.113.1',
        'foreman-images-graphql:login:failures:foreman:gateway',
      ]);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          query(
            n % 2 === 0 ? a : b,
            '{ architectures { totalCount } }',
            wrongPassword(n),
            `198.51.100.${n + 1}`,
          ),
        ),
      );
      const codes = results.map((r) => r.errors?.[0]?.extensions?.code);
      expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(18);
      expect(demo.failedLogins('127.0.0.1')).toBe(20);
    });
  });

  describe('while their Redis is down', () => {
    let demo: DemoUpstream;
    let redis: RedisProcess;
    let a: GatewayProcess;
    let b: GatewayProcess;

    beforeAll(async () => {
      ({ demo, redis, a, b } = await startReplicas({
        SHARED_SECRET,
        GATEWAY_REPLICAS: '2',
        // Long enough that an event seen in a test came from the write, not the audit log.
        AUDIT_POLL_INTERVAL_MS: '60000',
        TRUSTED_PROXIES: '127.0.0.1',
      }));
      // The admin works before the outage: spent budgets never stop a credential seen working.
      for (const replica of [a, b]) {
        await query(replica, '{ architectures { totalCount } }', basicAuth(DEMO_ADMIN));
      }
      await redis.stop();
    }, 60_000);

    afterAll(() => stopReplicas({ demo, redis, a, b }));

    it("spend at most one budget together: each its share, so Foreman's 30 is never reached", async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          query(
            n % 2 === 0 ? a : b,
            '{ architectures { totalCount } }',
            wrongPassword(n),
            `198.51.100.${n + 1}`,
          ),
        ),
      );
      const codes = results.map((r) => r.errors?.[0]?.extensions?.code);
      // FOREMAN_FAILED_LOGIN_BUDGET 20 ÷ GATEWAY_REPLICAS 2: 10 on each replica.
      expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(20);
      expect(codes.filter((code) => code === 'LIMIT_EXCEEDED')).toHaveLength(20);
      expect(demo.failedLogins('127.0.0.1')).toBe(20);
      for (const replica of [a, b]) {
        const admin = await query(
          replica,
          '{ architectures { totalCount } }',
          basicAuth(DEMO_ADMIN),
        );
        expect(admin.errors).toBeUndefined();
        // Said once, however many requests found Redis away (log lines are written asynchronously).
        const said = () =>
          replica
            .output()
            .split('\n')
            .filter((line) => line.includes('failed-login state kept on this replica'));
        await expect.poll(() => said().length).toBe(1);
      }
    });

    it('still tells its own subscribers of its writes at once', async () => {
      const stream = await subscribe<{ data?: { imageChanged: { foremanId: number } } }>(
        a.url,
        IMAGE_CHANGED,
        { headers: { authorization: basicAuth(DEMO_ADMIN) } },
      );
      const image = demo.store.images.find((i) => i.computeResourceId === 1);
      if (!image) throw new Error('no image in compute resource 1');
      await query(
        a,
        `mutation { updateImage(input: { id: "${image.id}", name: "redis-is-down" }) { errors { message } } }`,
        basicAuth(DEMO_ADMIN),
      );
      await stream.waitFor(1);
      expect(stream.received.map((event) => event.data?.imageChanged.foremanId)).toEqual([
        image.id,
      ]);
      stream.close();
    });
  });
  describe('sharing a cache (UPSTREAM_CACHE_TTL_MS)', () => {
    let demo: DemoUpstream;
    let redis: RedisProcess;
    let a: GatewayProcess;
    let b: GatewayProcess;
    const LIST =
      '{ images(computeResourceId: "1", first: 50, order: "id") { nodes { foremanId name } } }';
    type Listed = { images: { nodes: Array<{ foremanId: number; name: string }> } };

    beforeAll(async () => {
      ({ demo, redis, a, b } = await startReplicas({
        SHARED_SECRET,
        UPSTREAM_CACHE_TTL_MS: '60000',
      }));
    }, 60_000);

    afterAll(() => stopReplicas({ demo, redis, a, b }));

    it('a write through one replica is read back at once through the other', async () => {
      const admin = basicAuth(DEMO_ADMIN);
      const listed = (await query(a, LIST, admin)).data as Listed;
      const image = listed.images.nodes[0];
      if (!image) throw new Error('no image in compute resource 1');
      // Both replicas hold the list now: a second read costs Foreman nothing.
      await query(b, LIST, admin);
      demo.resetRequests();
      await query(a, LIST, admin);
      await query(b, LIST, admin);
      expect(demo.requests).toEqual([]);

      const written = await query(
        b,
        `mutation { updateImage(input: { id: "${image.foremanId}", name: "written-through-b" }) { errors { message } } }`,
        admin,
      );
      expect(written.errors).toBeUndefined();
      // Replica A's entry is out of date the moment B's write is answered.
      const after = (await query(a, LIST, admin)).data as Listed;
      expect(after.images.nodes[0]?.name).toBe('written-through-b');
    });

    it('while Redis is away, the cache is not used (nothing possibly stale is served)', async () => {
      const admin = basicAuth(DEMO_ADMIN);
      await query(a, LIST, admin);
      await redis.stop();
      demo.resetRequests();
      const answer = await query(a, LIST, admin);
      expect(answer.errors).toBeUndefined();
      expect(demo.requests.map((r) => r.path)).toContain('/api/compute_resources/1/images');
    });
  });
});
