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
        return {
          settle: (outcome) => {
            // A credential that worked and now fails (a changed password): count it too.
            if (outcome === 'refused' || outcome === 'locked-out') {
              void this.#ledger.reserveFailure(
                [
                  { key: clientCounter(client), limit: Number.POSITIVE_INFINITY },
                  { key: foremanCounter(foremanKey), limit: Number.POSITIVE_INFINITY },
                ],
                this.#options.windowMs,
              );
            }
            void this.#record(credential, outcome);
          },
        };
      }
      const probe = this.#probes.get(credential);
      if (!probe) break;
      await abortable(probe, signal);
    }
    // Become the probe before any await, so concurrent requests with this credential wait.
    let finish!: () => void;
    this.#probes.set(
      credential,
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    );
    const counters = [clientCounter(client), foremanCounter(foremanKey)];
    let reserved = false;
    try {
      const refusedMs = await this.#ledger.refusedFor(credential);
      if (refusedMs > 0) throw refused(refusedMs);
      await this.#reserve(client, foremanKey);
      reserved = true;
    } catch (error) {
      this.#probes.delete(credential);
      finish();
      throw error;
    }
    return {
      settle: (outcome) => {
        this.#probes.delete(credential);
        // The reservation stands for the failed login a refusal is; anything else gives it back.
        const release =
          reserved && outcome !== 'refused' && outcome !== 'locked-out'
            ? this.#ledger.releaseFailure(counters)
            : Promise.resolve();
        Promise.all([release, this.#record(credential, outcome)]).finally(finish);
      },
    };
  }

  /** What readiness reports about a credential (the service account's), without asking Foreman. */
  async status(credential: string): Promise<'accepted' | 'refused' | 'unknown'> {
    if ((this.#accepted.get(credential) ?? 0) > this.#options.now()) return 'accepted';
    return (await this.#ledger.refusedFor(credential)) > 0 ? 'refused' : 'unknown';
  }

  /** Reserves one failed login in the client's and in Foreman's budget, or refuses. */
  async #reserve(client: string, foremanKey: string): Promise<void> {
    const { clientFailureLimit, foremanFailureBudget, windowMs } = this.#options;
    const { refusedBy, expiresInMs } = await this.#ledger.reserveFailure(
      [
        { key: clientCounter(client), limit: clientFailureLimit },
        { key: foremanCounter(foremanKey), limit: foremanFailureBudget },
      ],
      windowMs,
    );
    if (refusedBy === clientCounter(client)) {
      throw budgetSpent(expiresInMs, 'Too many failed logins from your address; try again later');
    }
    if (refusedBy !== undefined) {
      throw budgetSpent(
        expiresInMs,
        "Too many failed logins reached Foreman recently; to keep Foreman's brute-force protection from locking every caller out, credentials not seen working are not tried until later",
      );
    }
  }

  /** The error for a request Foreman answered with its own lockout. */
  lockedOutError(): UpstreamError {
    // Settling a locked-out answer (re)starts the whole window: Foreman renews it on every failure.
    return lockedOut(this.#options.windowMs);
  }

  async #record(credential: string, outcome: LoginOutcome): Promise<void> {
    const { now, windowMs, refusedCredentialTtlMs } = this.#options;
    switch (outcome) {
      case 'accepted':
        if (!this.#accepted.has(credential)) await this.#ledger.clearRefused(credential);
        this.#accepted.set(credential, now() + ACCEPTED_TTL_MS);
        this.#forgetExpired();
        return;
      case 'refused':
        this.#accepted.delete(credential);
        await this.#ledger.markRefused(credential, refusedCredentialTtlMs);
        return;
      case 'locked-out':
        // Foreman refuses every login from our address until its window has passed.
        this.#lockedOutUntil = now() + windowMs;
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
