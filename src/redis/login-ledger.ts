import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type LoginLedger, MemoryLoginLedger } from '../foreman/http/login-ledger.js';

/**
 * The failed-login state shared by replicas, so that N replicas spend one budget of Foreman's
 * failed logins, not N, and a credential one of them saw refused is refused by all. When Redis is
 * away, each replica falls back to its own state (the protection holds, per replica) until it
 * is back.
 */
export class RedisLoginLedger implements LoginLedger {
  readonly #redis: Redis;
  readonly #fallback = new MemoryLoginLedger();
  readonly #onError: (error: unknown) => void;

  constructor(redis: Redis, onError: (error: unknown) => void = () => undefined) {
    this.#redis = redis;
    this.#onError = onError;
    redis.defineCommand('reserveFailure', { lua: RESERVE });
    redis.defineCommand('releaseFailure', { lua: RELEASE });
  }

  /** The first replica's random key wins; every replica then hashes credentials alike. */
  async hashKey(): Promise<Buffer> {
    return this.#try(
      async () => {
        await this.#redis.set('login:hash-key', randomBytes(32).toString('base64'), 'NX');
        const key = await this.#redis.get('login:hash-key');
        if (!key) throw new Error('no hash key in Redis');
        return Buffer.from(key, 'base64');
      },
      () => this.#fallback.hashKey(),
    );
  }

  refusedFor(credential: string): Promise<number> {
    return this.#try(
      async () => Math.max(0, await this.#redis.pttl(`login:refused:${credential}`)),
      () => this.#fallback.refusedFor(credential),
    );
  }

  markRefused(credential: string, ttlMs: number): Promise<void> {
    return this.#try(
      async () => {
        if (ttlMs > 0) await this.#redis.set(`login:refused:${credential}`, '1', 'PX', ttlMs);
      },
      () => this.#fallback.markRefused(credential, ttlMs),
    );
  }

  clearRefused(credential: string): Promise<void> {
    return this.#try(
      async () => {
        await this.#redis.del(`login:refused:${credential}`);
      },
      () => this.#fallback.clearRefused(credential),
    );
  }

  reserveFailure(
    counters: ReadonlyArray<{ key: string; limit: number }>,
    windowMs: number,
  ): Promise<{ refusedBy?: string; expiresInMs: number }> {
    return this.#try(
      async () => {
        const keys = counters.map((counter) => `login:failures:${counter.key}`);
        const limits = counters.map((counter) =>
          Number.isFinite(counter.limit) ? String(counter.limit) : '-1',
        );
        const [refused, expiresInMs] = (await (this.#redis as unknown as Reserving).reserveFailure(
          keys.length,
          ...keys,
          String(windowMs),
          ...limits,
        )) as [number, number];
        const refusedBy = refused > 0 ? counters[refused - 1]?.key : undefined;
        return { ...(refusedBy ? { refusedBy } : {}), expiresInMs: Math.max(0, expiresInMs) };
      },
      () => this.#fallback.reserveFailure(counters, windowMs),
    );
  }

  releaseFailure(keys: readonly string[]): Promise<void> {
    return this.#try(
      async () => {
        await (this.#redis as unknown as Reserving).releaseFailure(
          keys.length,
          ...keys.map((key) => `login:failures:${key}`),
        );
      },
      () => this.#fallback.releaseFailure(keys),
    );
  }

  async #try<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      return await shared();
    } catch (error) {
      this.#onError(error);
      return local();
    }
  }
}

interface Reserving {
  reserveFailure(count: number, ...args: string[]): Promise<unknown>;
  releaseFailure(count: number, ...args: string[]): Promise<unknown>;
}

/**
 * Atomically: if a counter is at its limit, count nothing and answer which (1-based) and its
 * time left; else add one to each, renewing their window, as Foreman's own counter does.
 * KEYS: the counters. ARGV: the window in ms, then each counter's limit (-1: none).
 */
const RESERVE = `
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 1])
  local count = tonumber(redis.call('GET', key) or '0')
  if limit >= 0 and count >= limit then return {i, redis.call('PTTL', key)} end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, ARGV[1])
end
return {0, tonumber(ARGV[1])}
`;

/** Takes back one reservation from each counter that still holds one. */
const RELEASE = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
`;
