interface FailureEntry {
  count: number;
  expiresAt: number;
}

/**
 * Foreman's failed-login lockout (app/services/foreman/bruteforce_protection.rb): a counter per
 * `request.remote_ip` kept in Rails.cache as `failed_login_<ip>`. Every API request that fails
 * authentication, one without credentials included, rewrites it as count + 1 with a fresh
 * 5-minute expiry. `authorize` checks `count >= failed_login_attempts_limit` BEFORE
 * authenticating, so a blocked request neither authenticates nor counts again: the lock lifts
 * one window after the last counted failure. A limit of 0 disables the check.
 */
export class BruteforceProtection {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, FailureEntry>();

  constructor(options: { limit: number; windowMs: number; now?: () => number }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** `get_login_failures`: 0 once the cache entry expired. */
  failures(ip: string): number {
    const entry = this.#failures.get(ip);
    if (!entry) return 0;
    if (entry.expiresAt <= this.#now()) {
      this.#failures.delete(ip);
      return 0;
    }
    return entry.count;
  }

  /** `bruteforce_attempt?` */
  blocked(ip: string): boolean {
    return this.#limit > 0 && this.failures(ip) >= this.#limit;
  }

  /** `count_login_failure` */
  countFailure(ip: string): void {
    this.#failures.set(ip, {
      count: this.failures(ip) + 1,
      expiresAt: this.#now() + this.#windowMs,
    });
  }

  reset(): void {
    this.#failures.clear();
  }
}
