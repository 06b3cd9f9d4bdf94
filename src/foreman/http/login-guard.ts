import { createHmac, randomBytes } from 'node:crypto';
import { UpstreamError } from '../errors.js';

/**
 * Keeps one caller's bad credentials from locking every caller out of Foreman.
 *
 * Foreman counts failed logins per client address and, at 30 within 5 minutes (each failure
 * renewing the 5 minutes), refuses every request from that address, valid credentials included.
 * Behind the gateway all callers share its address. So:
 * - a credential Foreman refused is remembered (by a keyed hash, never the secret) and answered
 *   locally for a while;
 * - a credential not yet seen is tried by one request at a time: concurrent requests with it
 *   wait for that first answer instead of each spending a failed login;
 * - failed logins are counted per client and in all (the gateway's estimate of Foreman's counter
 *   for its address); past a client's limit, or past the budget the gateway may spend, unknown
 *   credentials are refused locally with the time to wait;
 * - once Foreman itself answers "Too many tries", nothing is sent until its window has passed.
 * Credentials Foreman accepted keep working while budgets are spent: Foreman still accepts them.
 */

export interface LoginGuardOptions {
  refusedCredentialTtlMs: number;
  clientFailureLimit: number;
  foremanFailureBudget: number;
  windowMs: number;
  /** Where the failures are kept: in process by default, shared between replicas otherwise. */
  ledger?: LoginLedger;
  now?: () => number;
}

/** The state that replicas of the gateway must share so that they spend one budget, not N. */
export interface LoginLedger {
  /** The secret the credential hashes are keyed with (the same on every replica). */
  hashKey(): Promise<Buffer>;
  /** Milliseconds left before a refused credential may be tried again (0: not refused). */
  refusedFor(credential: string): Promise<number>;
  markRefused(credential: string, ttlMs: number): Promise<void>;
  clearRefused(credential: string): Promise<void>;
  /** Adds a failure to each counter, renewing its window; resolves the new counts. */
  addFailure(keys: readonly string[], windowMs: number): Promise<number[]>;
  /** A counter's value and the milliseconds until it expires. */
  failures(key: string): Promise<{ count: number; expiresInMs: number }>;
}

/** What the caller learnt from Foreman's answer to a request made with a credential. */
export type LoginOutcome = 'accepted' | 'refused' | 'locked-out' | 'unknown';

/** Permission to send one request with a credential; settle it with what Foreman answered. */
export interface Admission {
  settle(outcome: LoginOutcome): void;
}

/** How long a credential Foreman accepted is trusted to need no budget. */
const ACCEPTED_TTL_MS = 10 * 60_000;

export class LoginGuard {
  readonly #options: Required<Omit<LoginGuardOptions, 'ledger'>>;
  readonly #ledger: LoginLedger;
  readonly #hashKey: Promise<Buffer>;
  /** Credentials (hashed) Foreman accepted, until when: these skip the budgets. */
  readonly #accepted = new Map<string, number>();
  /** The first request of a credential not yet known, which the others wait for. */
  readonly #probes = new Map<string, Promise<void>>();
  /** Until when Foreman refuses every login from our address (its own lockout). */
  #lockedOutUntil = 0;

  constructor(options: LoginGuardOptions) {
    const { ledger, ...rest } = options;
    this.#options = { now: Date.now, ...rest };
    this.#ledger = ledger ?? new MemoryLoginLedger(this.#options.now);
    this.#hashKey = this.#ledger.hashKey();
  }

  /** The keyed hash that stands for a credential everywhere in the guard. */
  async credentialId(authorization: string): Promise<string> {
    return createHmac('sha256', await this.#hashKey)
      .update(authorization)
      .digest('base64url');
  }

  /**
   * Waits until a request with this credential may be sent, or throws the local refusal.
   * `foremanKey` names the address Foreman counts the failure against (ours, or the client's
   * when Foreman is told it).
   */
  async admit(
    credential: string,
    client: string,
    foremanKey: string,
    signal?: AbortSignal,
  ): Promise<Admission> {
    for (;;) {
      const now = this.#options.now();
      if (this.#lockedOutUntil > now) throw lockedOut(this.#lockedOutUntil - now);
      if ((this.#accepted.get(credential) ?? 0) > now) {
        return { settle: (outcome) => this.#record(credential, client, foremanKey, outcome) };
      }
      const probe = this.#probes.get(credential);
      if (!probe) break;
      await abortable(probe, signal);
    }
    const refusedMs = await this.#ledger.refusedFor(credential);
    if (refusedMs > 0) throw refused(refusedMs);
    await this.#checkBudgets(client, foremanKey);
    // Re-check: another request may have become the probe while the ledger answered.
    const running = this.#probes.get(credential);
    if (running) {
      await abortable(running, signal);
      return this.admit(credential, client, foremanKey, signal);
    }
    let finish!: () => void;
    this.#probes.set(
      credential,
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    );
    return {
      settle: (outcome) => {
        this.#probes.delete(credential);
        this.#record(credential, client, foremanKey, outcome).finally(finish);
      },
    };
  }

  /** What readiness reports about a credential (the service account's), without asking Foreman. */
  async status(credential: string): Promise<'accepted' | 'refused' | 'unknown'> {
    if ((this.#accepted.get(credential) ?? 0) > this.#options.now()) return 'accepted';
    return (await this.#ledger.refusedFor(credential)) > 0 ? 'refused' : 'unknown';
  }

  async #checkBudgets(client: string, foremanKey: string): Promise<void> {
    const { clientFailureLimit, foremanFailureBudget } = this.#options;
    const [byClient, byForeman] = await Promise.all([
      this.#ledger.failures(clientCounter(client)),
      this.#ledger.failures(foremanCounter(foremanKey)),
    ]);
    if (byClient.count >= clientFailureLimit) {
      throw budgetSpent(
        byClient.expiresInMs,
        `Too many failed logins from your address (${byClient.count}); try again later`,
      );
    }
    if (byForeman.count >= foremanFailureBudget) {
      throw budgetSpent(
        byForeman.expiresInMs,
        "Too many failed logins reached Foreman recently; to keep Foreman's brute-force protection from locking every caller out, new credentials are not tried until later",
      );
    }
  }

  async #record(
    credential: string,
    client: string,
    foremanKey: string,
    outcome: LoginOutcome,
  ): Promise<void> {
    const { now, windowMs, refusedCredentialTtlMs } = this.#options;
    switch (outcome) {
      case 'accepted':
        if (!this.#accepted.has(credential)) await this.#ledger.clearRefused(credential);
        this.#accepted.set(credential, now() + ACCEPTED_TTL_MS);
        this.#forgetExpired();
        return;
      case 'refused':
        this.#accepted.delete(credential);
        await Promise.all([
          this.#ledger.markRefused(credential, refusedCredentialTtlMs),
          this.#ledger.addFailure([clientCounter(client), foremanCounter(foremanKey)], windowMs),
        ]);
        return;
      case 'locked-out':
        // Foreman's window restarts with every failure, this one included.
        this.#lockedOutUntil = now() + windowMs;
        await this.#ledger.addFailure([foremanCounter(foremanKey)], windowMs);
        return;
      case 'unknown':
        return;
    }
  }

  /** Keeps the accepted map from growing with credentials nobody uses any more. */
  #forgetExpired(): void {
    if (this.#accepted.size < 10_000) return;
    const now = this.#options.now();
    for (const [credential, until] of this.#accepted) {
      if (until <= now) this.#accepted.delete(credential);
    }
  }
}

function clientCounter(client: string): string {
  return `client:${client}`;
}

function foremanCounter(key: string): string {
  return `foreman:${key}`;
}

function refused(retryAfterMs: number): UpstreamError {
  return new UpstreamError({
    kind: 'credentials_refused',
    status: 401,
    message: `Foreman refused these credentials moments ago; they are not sent again for ${seconds(retryAfterMs)} s. Check the login and password (or personal access token).`,
    retryAfterMs,
    method: 'GET',
    path: '',
  });
}

function budgetSpent(retryAfterMs: number, message: string): UpstreamError {
  return new UpstreamError({
    kind: 'login_budget',
    status: 429,
    message: `${message} (in ${seconds(retryAfterMs)} s).`,
    retryAfterMs,
    method: 'GET',
    path: '',
  });
}

function lockedOut(retryAfterMs: number): UpstreamError {
  return new UpstreamError({
    kind: 'login_budget',
    status: 429,
    message: `Foreman is refusing every login from the gateway after too many failed ones (its brute-force protection); nothing is sent for ${seconds(retryAfterMs)} s.`,
    retryAfterMs,
    method: 'GET',
    path: '',
  });
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
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

  async addFailure(keys: readonly string[], windowMs: number): Promise<number[]> {
    const now = this.#now();
    const counts = keys.map((key) => {
      const current = this.#counters.get(key);
      const count = current && current.expiresAt > now ? current.count + 1 : 1;
      this.#counters.set(key, { count, expiresAt: now + windowMs });
      return count;
    });
    this.#sweep();
    return counts;
  }

  async failures(key: string): Promise<{ count: number; expiresInMs: number }> {
    const current = this.#counters.get(key);
    const left = current ? current.expiresAt - this.#now() : 0;
    return left > 0 && current
      ? { count: current.count, expiresInMs: left }
      : { count: 0, expiresInMs: 0 };
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
