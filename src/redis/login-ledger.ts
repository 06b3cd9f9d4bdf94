import type { Redis } from 'ioredis';
import { type LoginLedger, MemoryLoginLedger } from '../foreman/http/login-ledger.js';

export interface RedisLoginLedgerOptions {
  /**
   * The key credential hashes are made with, derived from SHARED_SECRET (never stored in Redis):
   * refused credentials are then kept in Redis, for every replica. Without it each replica keys
   * its hashes with a random key of its own and keeps refused credentials to itself; the budgets
   * of failed logins are shared either way.
   */
  hashKey?: Buffer | undefined;
  /**
   * How many replicas share the budgets (GATEWAY_REPLICAS). While Redis is away each replica
   * counts on its own, so each may spend only its share of every limit (at least 1).
   */
  replicas: number;
  /** Redis failed: this replica counts on its own until it answers again. */
  onDown?: (error: unknown) => void;
  /** Redis answers again: the counts made meanwhile are in it. */
  onBack?: () => void;
  now?: () => number;
}

/**
 * The failed-login state shared by replicas, so that N replicas spend one budget of Foreman's
 * failed logins, not N, and a credential one of them saw refused is refused by all. When Redis is
 * away, each replica falls back to its own state with its share of each limit (so that together
 * they still spend at most one budget), and the failures it counted meanwhile are added to the
 * shared counters when Redis is back (a Redis that restarted empty would otherwise open a second
 * budget within Foreman's window).
 */
export class RedisLoginLedger implements LoginLedger {
  readonly #redis: Redis;
  readonly #options: RedisLoginLedgerOptions;
  readonly #now: () => number;
  readonly #fallback: MemoryLoginLedger;
  /** Failures counted by the fallback while Redis was away, by counter, not yet in Redis. */
  readonly #unshared = new Map<string, { count: number; expiresAt: number }>();
  #carrying: Promise<void> | undefined;
  #down = false;

  constructor(redis: Redis, options: RedisLoginLedgerOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#fallback = new MemoryLoginLedger(this.#now);
    redis.defineCommand('reserveFailure', { lua: RESERVE });
    redis.defineCommand('releaseFailure', { lua: RELEASE });
    redis.defineCommand('addFailures', { lua: ADD });
  }

  /**
   * Versions before this one kept a random hash key in Redis, beside the hashes it protects:
   * whoever could read Redis could test guesses of a refused password against them.
   */
  async removeStoredKey(): Promise<void> {
    await this.#redis.del('login:hash-key');
  }

  hashKey(): Promise<Buffer> {
    return this.#options.hashKey
      ? Promise.resolve(this.#options.hashKey)
      : this.#fallback.hashKey();
  }

  refusedFor(credential: string): Promise<number> {
    if (!this.#options.hashKey) return this.#fallback.refusedFor(credential);
    return this.#try(
      async () => Math.max(0, await this.#redis.pttl(`login:refused:${credential}`)),
      () => this.#fallback.refusedFor(credential),
    );
  }

  markRefused(credential: string, ttlMs: number): Promise<void> {
    if (!this.#options.hashKey) return this.#fallback.markRefused(credential, ttlMs);
    return this.#try(
      async () => {
        if (ttlMs > 0) await this.#redis.set(`login:refused:${credential}`, '1', 'PX', ttlMs);
      },
      () => this.#fallback.markRefused(credential, ttlMs),
    );
  }

  clearRefused(credential: string): Promise<void> {
    if (!this.#options.hashKey) return this.#fallback.clearRefused(credential);
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
        const [refused, expiresInMs] = (await (this.#redis as unknown as Scripts).reserveFailure(
          keys.length,
          ...keys,
          String(windowMs),
          ...limits,
        )) as [number, number];
        const refusedBy = refused > 0 ? counters[refused - 1]?.key : undefined;
        return { ...(refusedBy ? { refusedBy } : {}), expiresInMs: Math.max(0, expiresInMs) };
      },
      async () => {
        const result = await this.#fallback.reserveFailure(
          counters.map(({ key, limit }) => ({ key, limit: this.#share(limit) })),
          windowMs,
        );
        if (result.refusedBy === undefined) this.#countUnshared(counters, windowMs);
        return result;
      },
    );
  }

  releaseFailure(keys: readonly string[]): Promise<void> {
    return this.#try(
      async () => {
        await (this.#redis as unknown as Scripts).releaseFailure(
          keys.length,
          ...keys.map((key) => `login:failures:${key}`),
        );
      },
      async () => {
        await this.#fallback.releaseFailure(keys);
        for (const key of keys) {
          const unshared = this.#unshared.get(key);
          if (unshared && unshared.count > 0) unshared.count -= 1;
        }
      },
    );
  }

  #countUnshared(counters: ReadonlyArray<{ key: string }>, windowMs: number): void {
    const now = this.#now();
    if (this.#unshared.size >= 10_000) {
      for (const [key, { expiresAt }] of this.#unshared) {
        if (expiresAt <= now) this.#unshared.delete(key);
      }
    }
    for (const { key } of counters) {
      const count = (this.#unshared.get(key)?.count ?? 0) + 1;
      this.#unshared.set(key, { count, expiresAt: now + windowMs });
    }
  }

  /** This replica's part of a limit while it counts on its own. */
  #share(limit: number): number {
    if (!Number.isFinite(limit)) return limit;
    return Math.max(1, Math.floor(limit / this.#options.replicas));
  }

  async #try<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      // What was counted here while Redis was away goes in before anything is counted there.
      if (this.#unshared.size > 0) await this.#carryOver();
      result = await shared();
    } catch (error) {
      if (!this.#down) {
        this.#down = true;
        this.#options.onDown?.(error);
      }
      return local();
    }
    if (this.#down) {
      this.#down = false;
      this.#options.onBack?.();
    }
    return result;
  }

  /** Adds the failures counted during an outage to the shared counters, once. */
  #carryOver(): Promise<void> {
    this.#carrying ??= (async () => {
      const now = this.#now();
      const carried = [...this.#unshared].filter(
        ([, { count, expiresAt }]) => count > 0 && expiresAt > now,
      );
      if (carried.length > 0) {
        await (this.#redis as unknown as Scripts).addFailures(
          carried.length,
          ...carried.map(([key]) => `login:failures:${key}`),
          ...carried.flatMap(([, { count, expiresAt }]) => [
            String(count),
            String(expiresAt - now),
          ]),
        );
      }
      // Failures counted while this was under way stay for the next time.
      for (const [key, { count }] of carried) {
        const entry = this.#unshared.get(key);
        if (entry) entry.count -= count;
      }
      for (const [key, entry] of this.#unshared) {
        if (entry.count <= 0 || entry.expiresAt <= now) this.#unshared.delete(key);
      }
    })().finally(() => {
      this.#carrying = undefined;
    });
    return this.#carrying;
  }
}

interface Scripts {
  reserveFailure(count: number, ...args: string[]): Promise<unknown>;
  releaseFailure(count: number, ...args: string[]): Promise<unknown>;
  addFailures(count: number, ...args: string[]): Promise<unknown>;
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

/**
 * Adds failures counted elsewhere: KEYS the counters, ARGV a count and its time left (ms) for
 * each. A counter's window is the later of its own and the one added.
 */
const ADD = `
for i, key in ipairs(KEYS) do
  local ttl = tonumber(ARGV[2 * i])
  redis.call('INCRBY', key, ARGV[2 * i - 1])
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
return 0
`;
