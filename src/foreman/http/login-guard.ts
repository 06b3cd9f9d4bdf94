import { UpstreamError } from '../errors.js';
import { type LoginLedger, MemoryLoginLedger } from './login-ledger.js';

/**
 * Keeps callers' credentials from locking every caller out of Foreman.
 *
 * Foreman counts failed logins per client address and, at 30 within 5 minutes (each failure
 * renewing the 5 minutes), refuses every request from that address, valid credentials included.
 * Behind the gateway all callers share its address, and any credential can start failing at any
 * moment (a revoked token, a changed password). So, per credential identity:
 * - the first refusal revokes it: calls admitted but not yet sent are dropped, waiting requests
 *   are answered locally, and for `refusedCredentialTtlMs` it is not sent again (remembered in
 *   the ledger by its keyed hash, never the secret). With a bound on what one credential has in
 *   flight (the scheduler's, CREDENTIAL_CONCURRENCY), a credential that stops working costs at
 *   most that many failed logins;
 * - one that is new, or unused for `idleProbeMs`, is tried by one call first; the others wait
 *   for that answer;
 * - every refusal counts against the gateway's failure budget (Foreman's count for its address),
 *   and a guess (a credential never seen working) against the caller's too; past a budget,
 *   credentials not accepted in the last 10 minutes are refused locally;
 * - once Foreman itself answers "Too many tries", nothing is sent until its window has passed.
 */

export interface LoginGuardOptions {
  refusedCredentialTtlMs: number;
  clientFailureLimit: number;
  foremanFailureBudget: number;
  windowMs: number;
  /** A credential unused this long is tried with one call before others follow. */
  idleProbeMs?: number;
  /** Where failures are kept: in process by default, shared between replicas otherwise. */
  ledger?: LoginLedger;
  now?: () => number;
}

/** The credential a call is made with, and whose budgets its failure would spend. */
export interface CallCredential {
  /** The credential's keyed hash (see Callers). */
  identity: string;
  /** The caller's address: its own failure budget. */
  client: string;
  /** The address Foreman counts the failure against: the gateway's, or the caller's when told. */
  foremanKey: string;
  /**
   * The gateway's own credential (a service account), which every caller uses: once accepted it
   * is not probed again after idle spells (a refusal costs what is in flight then either way).
   */
  shared?: boolean;
}

/** What the caller learnt from Foreman's answer to a call made with a credential. */
export type LoginOutcome = 'accepted' | 'refused' | 'locked-out' | 'unknown';

/** Permission to send one call with a credential; settle it with what Foreman answered. */
export interface Admission {
  /**
   * The call is being sent: a refusal from now on no longer drops it (its answer is coming, and
   * may be a good one Foreman gave before the credential stopped working).
   */
  sending(): void;
  settle(outcome: LoginOutcome): void;
}

/** How long a credential Foreman accepted is trusted to need no budget. */
const ACCEPTED_TTL_MS = 10 * 60_000;
/** Entries kept before idle ones are swept. */
const SWEEP_AT = 10_000;

interface CredentialState {
  /** When Foreman last accepted it (0: never, or refused since). */
  acceptedAt: number;
  refusedUntil: number;
  /** Calls admitted and not yet settled. */
  admitted: number;
  /**
   * The calls admitted and not yet sent, told (with the refusal) when the credential is refused:
   * a set, not an abort signal's listeners, since a busy credential has hundreds waiting for a
   * slot at once and each leaves as it is sent.
   */
  unsent: Set<(reason: UpstreamError) => void>;
  /** Woken whenever a call of this credential settles. */
  waiters: Set<() => void>;
}

export class LoginGuard {
  readonly #options: Required<Omit<LoginGuardOptions, 'ledger'>>;
  readonly #ledger: LoginLedger;
  readonly #credentials = new Map<string, CredentialState>();
  /** Until when Foreman refuses every login from our address (its own lockout). */
  #lockedOutUntil = 0;
  /** Every admitted call not yet sent, whatever its credential: dropped if Foreman locks us out. */
  readonly #unsent = new Set<(reason: UpstreamError) => void>();

  constructor(options: LoginGuardOptions) {
    const { ledger, ...rest } = options;
    this.#options = { now: Date.now, idleProbeMs: 30_000, ...rest };
    this.#ledger = ledger ?? new MemoryLoginLedger(this.#options.now);
  }

  /** The key credentials are hashed with (the same on every replica that shares a ledger). */
  hashKey(): Promise<Buffer> {
    return this.#ledger.hashKey();
  }

  /**
   * Waits until a call with this credential may be sent, or throws the local refusal. Until the
   * admission is settled, `abortCall` is called with the refusal if the credential is refused
   * (or Foreman locks us out) meanwhile: the call must then send nothing.
   */
  async admit(
    credential: CallCredential,
    signal: AbortSignal | undefined,
    abortCall: (reason: UpstreamError) => void,
  ): Promise<Admission> {
    const { identity } = credential;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#options.now();
      if (this.#lockedOutUntil > now) throw lockedOut(this.#lockedOutUntil - now);
      const state = this.#state(identity);
      if (state.refusedUntil > now) throw refused(state.refusedUntil - now);
      const warm =
        state.acceptedAt > 0 &&
        (credential.shared === true || now - state.acceptedAt <= this.#options.idleProbeMs);
      if (warm) {
        state.admitted += 1;
        return this.#admission(state, credential, abortCall, undefined);
      }
      if (!warm && state.admitted === 0) {
        // A probe: its answer decides for the calls that wait.
        state.admitted += 1;
        let reserved: readonly string[] | undefined;
        try {
          reserved = await this.#checkBeforeProbe(state, credential, now);
        } catch (error) {
          state.admitted -= 1;
          this.#wake(state);
          throw error;
        }
        return this.#admission(state, credential, abortCall, reserved);
      }
      await this.#waitForSettle(state, signal);
    }
  }

  /** Whether this replica knows the credential refused now (no ledger round trip). */
  isRefused(identity: string): boolean {
    const state = this.#credentials.get(identity);
    return state !== undefined && state.refusedUntil > this.#options.now();
  }

  /** What readiness reports about a credential (the service account's), without asking Foreman. */
  async status(identity: string): Promise<'accepted' | 'refused' | 'unknown'> {
    const now = this.#options.now();
    const state = this.#credentials.get(identity);
    if (state && state.refusedUntil > now) return 'refused';
    if (state && state.acceptedAt > 0 && now - state.acceptedAt <= ACCEPTED_TTL_MS) {
      return 'accepted';
    }
    return (await this.#ledger.refusedFor(identity)) > 0 ? 'refused' : 'unknown';
  }

  /** The error for a call Foreman answered with its own lockout. */
  lockedOutError(): UpstreamError {
    // Settling a locked-out answer (re)starts the whole window: Foreman renews it on every failure.
    return lockedOut(this.#options.windowMs);
  }

  /**
   * Before a probe: refused on another replica (the shared ledger), or, for a credential not
   * accepted lately, one failed login reserved in the caller's and Foreman's budgets (so that
   * concurrent probes of many bad credentials cannot all pass one check). Returns the reserved
   * counters.
   */
  async #checkBeforeProbe(
    state: CredentialState,
    credential: CallCredential,
    now: number,
  ): Promise<readonly string[] | undefined> {
    const refusedMs = await this.#ledger.refusedFor(credential.identity);
    if (refusedMs > 0) {
      state.refusedUntil = now + refusedMs;
      throw refused(refusedMs);
    }
    if (state.acceptedAt > 0 && now - state.acceptedAt <= ACCEPTED_TTL_MS) return undefined;
    const { clientFailureLimit, foremanFailureBudget, windowMs } = this.#options;
    const counters = [
      { key: clientCounter(credential.client), limit: clientFailureLimit },
      { key: foremanCounter(credential.foremanKey), limit: foremanFailureBudget },
    ];
    const { refusedBy, expiresInMs } = await this.#ledger.reserveFailure(counters, windowMs);
    if (refusedBy === counters[0]?.key) {
      throw budgetSpent(expiresInMs, 'Too many failed logins from your address; try again later');
    }
    if (refusedBy !== undefined) {
      throw budgetSpent(
        expiresInMs,
        "Too many failed logins reached Foreman recently; to keep Foreman's brute-force protection from locking every caller out, credentials not seen working are not tried until later",
      );
    }
    return counters.map((counter) => counter.key);
  }

  #admission(
    state: CredentialState,
    credential: CallCredential,
    abortCall: (reason: UpstreamError) => void,
    reserved: readonly string[] | undefined,
  ): Admission {
    // One entry per admission, even for two given the same abortCall.
    const drop = (reason: UpstreamError) => abortCall(reason);
    state.unsent.add(drop);
    this.#unsent.add(drop);
    const unhook = () => {
      state.unsent.delete(drop);
      this.#unsent.delete(drop);
    };
    let settled = false;
    return {
      sending: unhook,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        unhook();
        state.admitted -= 1;
        this.#record(state, credential, outcome, reserved);
        this.#wake(state);
      },
    };
  }

  #record(
    state: CredentialState,
    credential: CallCredential,
    outcome: LoginOutcome,
    reserved: readonly string[] | undefined,
  ): void {
    const now = this.#options.now();
    const ledger = this.#ledger;
    const ignore = () => undefined;
    switch (outcome) {
      case 'accepted':
        if (state.acceptedAt === 0) ledger.clearRefused(credential.identity).catch(ignore);
        state.acceptedAt = now;
        if (reserved) ledger.releaseFailure(reserved).catch(ignore);
        return;
      case 'refused': {
        // Every refusal is a failed login in Foreman's count, whatever the credential did before:
        // it counts against the gateway's budget. The caller's own budget is for guesses (the
        // credentials it tries that never worked, reserved before they were sent): a token
        // revoked while in use costs at most CREDENTIAL_CONCURRENCY failures, and must not keep
        // its owner from signing in again with a new one.
        if (!reserved) {
          ledger
            .reserveFailure(
              [{ key: foremanCounter(credential.foremanKey), limit: Number.POSITIVE_INFINITY }],
              this.#options.windowMs,
            )
            .catch(ignore);
        }
        const ttl = this.#options.refusedCredentialTtlMs;
        state.acceptedAt = 0;
        state.refusedUntil = Math.max(state.refusedUntil, now + ttl);
        dropAll(state.unsent, refused(ttl));
        ledger.markRefused(credential.identity, ttl).catch(ignore);
        return;
      }
      case 'locked-out':
        // Foreman refuses every login from our address until its window has passed.
        this.#lockedOutUntil = now + this.#options.windowMs;
        dropAll(this.#unsent, lockedOut(this.#options.windowMs));
        return;
      case 'unknown':
        if (reserved) ledger.releaseFailure(reserved).catch(ignore);
        return;
    }
  }

  #state(identity: string): CredentialState {
    let state = this.#credentials.get(identity);
    if (!state) {
      if (this.#credentials.size >= SWEEP_AT) this.#sweep();
      state = {
        acceptedAt: 0,
        refusedUntil: 0,
        admitted: 0,
        unsent: new Set(),
        waiters: new Set(),
      };
      this.#credentials.set(identity, state);
    }
    return state;
  }

  #waitForSettle(state: CredentialState, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        state.waiters.delete(wake);
        reject(signal?.reason);
      };
      state.waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #wake(state: CredentialState): void {
    const waiters = [...state.waiters];
    state.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Bounded memory whatever callers send: idle entries that say nothing useful go. */
  #sweep(): void {
    const now = this.#options.now();
    for (const [identity, state] of this.#credentials) {
      const idle = state.admitted === 0 && state.waiters.size === 0;
      const stale = now - state.acceptedAt > ACCEPTED_TTL_MS && state.refusedUntil <= now;
      if (idle && stale) this.#credentials.delete(identity);
    }
  }

  /** Credentials the guard holds state for (bounded; for tests and metrics). */
  get size(): number {
    return this.#credentials.size;
  }

  /** Admitted calls not yet sent or settled, that a refusal or a lockout would drop (for tests). */
  get unsent(): number {
    return this.#unsent.size;
  }
}

/** Tells every call in `unsent` it may not be sent, and forgets them. */
function dropAll(unsent: Set<(reason: UpstreamError) => void>, reason: UpstreamError): void {
  const calls = [...unsent];
  unsent.clear();
  for (const drop of calls) drop(reason);
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
