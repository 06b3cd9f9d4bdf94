/**
 * Keys remembered for a while: changes already told, so that the same change reaching a
 * subscriber by both routes (the gateway's announcement of its own write, and the audit row the
 * tail reads) is told once. Every key lives as long, so insertion order is expiry order: each
 * add drops the expired keys at the front, and a set holds only what arrived within the TTL.
 */
export class ExpiringSet {
  readonly #until = new Map<string, number>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  has(key: string, now = Date.now()): boolean {
    const until = this.#until.get(key);
    return until !== undefined && until > now;
  }

  /** Adds `key`; false when it was already there (and still fresh). */
  add(key: string, now = Date.now()): boolean {
    for (const [old, until] of this.#until) {
      if (until > now) break;
      this.#until.delete(old);
    }
    if (this.#until.has(key)) return false;
    this.#until.set(key, now + this.#ttlMs);
    return true;
  }

  delete(key: string): void {
    this.#until.delete(key);
  }

  get size(): number {
    return this.#until.size;
  }
}
