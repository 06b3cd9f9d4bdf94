import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callers } from '../../src/foreman/caller.js';
import { LoginGuard } from '../../src/foreman/http/login-guard.js';
import { connectRedis, KEY_PREFIX, ready } from '../../src/redis/connection.js';
import { RedisLoginLedger } from '../../src/redis/login-ledger.js';
import { deriveKey } from '../../src/redis/shared-secret.js';
import { freePort, haveRedis, type RedisProcess, startRedis } from '../helpers/processes.js';

/**
 * The failed-login ledger against a real redis-server that the tests stop and start again on the
 * same port, as an outage and a restart (with nothing kept) look to the gateway.
 */

const SECRET = 'correct horse battery staple, long enough';
const WINDOW_MS = 300_000;

describe.skipIf(!haveRedis)('the failed-login ledger in Redis', () => {
  let server: RedisProcess;
  let port: number;
  /** A plain connection (no key prefix) for looking at what the gateway wrote. */
  let inspector: Redis;
  const connections: Redis[] = [];

  function connect(): Redis {
    const redis = connectRedis(server.url);
    redis.on('error', () => undefined);
    connections.push(redis);
    return redis;
  }

  beforeAll(async () => {
    port = await freePort();
    server = await startRedis(port);
  });

  afterEach(async () => {
    for (const redis of connections.splice(0)) redis.disconnect();
    inspector?.disconnect();
    if (!server.running) server = await startRedis(port);
  });

  afterAll(async () => {
    await server.stop();
  });

  async function freshInspector(): Promise<Redis> {
    const { Redis } = await import('ioredis');
    inspector = new Redis(server.url);
    await inspector.flushall();
    return inspector;
  }

  function guardOn(ledger: RedisLoginLedger): LoginGuard {
    return new LoginGuard({
      refusedCredentialTtlMs: 60_000,
      clientFailureLimit: 5,
      foremanFailureBudget: 20,
      windowMs: WINDOW_MS,
      ledger,
    });
  }

  /** The identity a replica gives a credential, with the key its ledger hands out. */
  async function identityOn(guard: LoginGuard, authorization: string): Promise<string> {
    const callers = new Callers({
      identityKey: await guard.hashKey(),
      trustedProxies: [],
      forwardClientAddress: false,
    });
    return callers.of({ authorization, peer: '198.51.100.1', forwardedFor: undefined })
      .identity as string;
  }

  it('with SHARED_SECRET, hashes credentials alike on every replica, shares refusals, and stores no key', async () => {
    const redis = await freshInspector();
    await redis.set(`${KEY_PREFIX}login:hash-key`, 'a key left by an earlier version');
    const hashKey = deriveKey(SECRET, 'login-ledger');
    const [a, b] = [connect(), connect()].map(
      (connection) => new RedisLoginLedger(connection, { hashKey, replicas: 2 }),
    ) as [RedisLoginLedger, RedisLoginLedger];
    await Promise.all(connections.map((connection) => ready(connection)));
    await a.removeStoredKey();
    const [guardA, guardB] = [guardOn(a), guardOn(b)];
    const stale = `Basic ${Buffer.from('admin:last-years-password').toString('base64')}`;
    const id = await identityOn(guardA, stale);
    expect(await identityOn(guardB, stale)).toBe(id);

    const credential = { identity: id, client: 'client:198.51.100.1', foremanKey: 'gateway' };
    const admission = await guardA.admit(credential, undefined, () => undefined);
    admission.settle('refused');
    await expect.poll(() => guardB.status(id)).toBe('refused');

    const keys = (await redis.keys('*')).sort();
    expect(keys).toEqual([
      `${KEY_PREFIX}login:failures:client:client:198.51.100.1`,
      `${KEY_PREFIX}login:failures:foreman:gateway`,
      `${KEY_PREFIX}login:refused:${id}`,
    ]);
    const values = await Promise.all(keys.map((key) => redis.get(key)));
    expect(values).toEqual(['1', '1', '1']);
  });

  it('without SHARED_SECRET, keeps refused credentials on the replica but shares the budgets', async () => {
    const redis = await freshInspector();
    const [a, b] = [connect(), connect()].map(
      (connection) => new RedisLoginLedger(connection, { replicas: 2 }),
    ) as [RedisLoginLedger, RedisLoginLedger];
    await Promise.all(connections.map((connection) => ready(connection)));
    expect((await a.hashKey()).equals(await b.hashKey())).toBe(false);

    await a.markRefused('credential', 60_000);
    expect(await a.refusedFor('credential')).toBeGreaterThan(0);
    expect(await b.refusedFor('credential')).toBe(0);

    const budget = [{ key: 'foreman:gateway', limit: 2 }];
    expect(await a.reserveFailure(budget, WINDOW_MS)).toEqual({ expiresInMs: WINDOW_MS });
    expect(await b.reserveFailure(budget, WINDOW_MS)).toEqual({ expiresInMs: WINDOW_MS });
    expect(await a.reserveFailure(budget, WINDOW_MS)).toMatchObject({
      refusedBy: 'foreman:gateway',
    });
    expect(await redis.keys('*')).toEqual([`${KEY_PREFIX}login:failures:foreman:gateway`]);
  });

  it('while Redis is away, spends only its share of each limit, and says so once', async () => {
    await freshInspector();
    const downs: unknown[] = [];
    const ledger = new RedisLoginLedger(connect(), {
      replicas: 3,
      onDown: (error) => downs.push(error),
    });
    await ready(connections[0] as Redis);
    await server.stop();
    const counters = [
      { key: 'client:198.51.100.1', limit: 5 },
      { key: 'foreman:gateway', limit: 20 },
    ];
    const outcomes = [];
    for (let n = 0; n < 8; n++) outcomes.push(await ledger.reserveFailure(counters, WINDOW_MS));
    // 5 ÷ 3 is 1 for the client, 20 ÷ 3 is 6 for Foreman's budget.
    expect(outcomes[0]).toEqual({ expiresInMs: WINDOW_MS });
    expect(outcomes[1]).toMatchObject({ refusedBy: 'client:198.51.100.1' });
    const budget = [{ key: 'foreman:gateway', limit: 20 }];
    const more = [];
    for (let n = 0; n < 8; n++) more.push(await ledger.reserveFailure(budget, WINDOW_MS));
    expect(more.filter((outcome) => outcome.refusedBy === undefined)).toHaveLength(5);
    expect(more.at(-1)).toMatchObject({ refusedBy: 'foreman:gateway' });
    expect(downs).toHaveLength(1);
  });

  it('adds the failures it counted during an outage to Redis when it is back, even empty', async () => {
    await freshInspector();
    const backs: number[] = [];
    const ledger = new RedisLoginLedger(connect(), {
      replicas: 2,
      onBack: () => backs.push(1),
    });
    const connection = connections[0] as Redis;
    await ready(connection);
    const budget = [{ key: 'foreman:gateway', limit: 20 }];
    await ledger.reserveFailure(budget, WINDOW_MS);
    await server.stop();
    const during = [];
    for (let n = 0; n < 12; n++) during.push(await ledger.reserveFailure(budget, WINDOW_MS));
    expect(during.filter((outcome) => outcome.refusedBy === undefined)).toHaveLength(10);
    // Redis comes back with nothing (no persistence): the 10 failures are still in the window.
    server = await startRedis(port);
    await ready(connection, 10_000);
    expect(await ledger.reserveFailure(budget, WINDOW_MS)).toEqual({ expiresInMs: WINDOW_MS });
    const { Redis } = await import('ioredis');
    inspector = new Redis(server.url);
    expect(await inspector.get(`${KEY_PREFIX}login:failures:foreman:gateway`)).toBe('11');
    const ttl = await inspector.pttl(`${KEY_PREFIX}login:failures:foreman:gateway`);
    expect(ttl).toBeGreaterThan(WINDOW_MS - 60_000);
    expect(backs).toHaveLength(1);
    // Carried once: the next failure counts one more, not another ten.
    await ledger.reserveFailure(budget, WINDOW_MS);
    expect(await inspector.get(`${KEY_PREFIX}login:failures:foreman:gateway`)).toBe('12');
  });
});
