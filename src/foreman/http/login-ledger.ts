import { randomBytes } from 'node:crypto';

/** The state that replicas of the gateway must share so that they spend one budget, not N. */
export interface LoginLedger {
  /** The secret the credential hashes are keyed with (the same on every replica). */
  hashKey(): Promise<Buffer>;
  /** Milliseconds left before a refused credential may be tried again (0: not refused). */
  refusedFor(credential: string): Promise<number>;
  markRefused(credential: string, ttlMs: number): Promise<void>;
  clearRefused(credential: string): Promise<void>;
  /**
   * Counts one failed login against every counter at once, renewing their windows, unless a
   * counter would pass its limit: then nothing is counted and that counter is named, with the
   * time until its window ends. Reserving before the request is sent keeps concurrent requests
   * from all passing the same check.
   */
  reserveFailure(
    counters: ReadonlyArray<{ key: string; limit: number }>,
    windowMs: number,
  ): Promise<{ refusedBy?: string; expiresInMs: number }>;
  /** Takes back a reservation whose request turned out not to fail. */
  releaseFailure(keys: readonly string[]): Promise<void>;
}

/** The ledger of one process: enough for a single replica. */
export class MemoryLoginLedger implements LoginLedger {
  readonly #key = randomBytes(32);
  readonly #refused = new Map<string, number>();
  readonly #counters = new Map<string, { count: number; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async hashKey(): Promise<Buffer> {
    return this.#key;
  }

  async refusedFor(credential: string): Promise<number> {
    const until = this.#refused.get(credential);
    if (until === undefined) return 0;
    const left = until - this.#now();
    if (left <= 0) this.#refused.delete(credential);
    return Math.max(0, left);
  }

  async markRefused(credential: string, ttlMs: number): Promise<void> {
    if (ttlMs > 0) this.#refused.set(credential, this.#now() + ttlMs);
    this.#sweep();
  }

  async clearRefused(credential: string): Promise<void> {
    this.#refused.delete(credential);
  }

  async reserveFailure(
    counters: ReadonlyArray<{ key: string; limit: number }>,
    windowMs: number,
  ): Promise<{ refusedBy?: string; expiresInMs: number }> {
    const now = this.#now();
    const live = (key: string) => {
      const current = this.#counters.get(key);
      return current && current.expiresAt > now ? current : undefined;
    };
    for (const { key, limit } of counters) {
      const current = live(key);
      if (current && current.count >= limit) {
        return { refusedBy: key, expiresInMs: current.expiresAt - now };
      }
    }
    for (const { key } of counters) {
      this.#counters.set(key, { count: (live(key)?.count ?? 0) + 1, expiresAt: now + windowMs });
    }
    this.#sweep();
    return { expiresInMs: windowMs };
  }

  async releaseFailure(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const current = this.#counters.get(key);
      if (current && current.count > 0) current.count -= 1;
    }
  }

  /** Bounded memory whatever callers send: expired entries go once the maps grow. */
  #sweep(): void {
    if (this.#refused.size + this.#counters.size < 10_000) return;
    const now = this.#now();
    for (const [key, until] of this.#refused) if (until <= now) this.#refused.delete(key);
    for (const [key, { expiresAt }] of this.#counters) {
      if (expiresAt <= now) this.#counters.delete(key);
    }
  }
}
