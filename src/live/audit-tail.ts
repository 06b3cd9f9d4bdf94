import type { ForemanApi } from '../foreman/api.js';
import { UpstreamError } from '../foreman/errors.js';
import type { ConcurrencyLimiter } from '../foreman/http/limiter.js';
import type { AuditRecord } from '../foreman/records.js';
import { withChildSignal } from './child-signal.js';

export interface AuditTailOptions {
  /** A fresh API with the subscribers' credentials, for one poll (cancelled by `signal`, which lives as long as the poll). */
  api(signal: AbortSignal): ForemanApi;
  intervalMs: number;
  /**
   * How long rows stay open to late arrivals: Foreman's audit ids come from a sequence at insert
   * but become visible at commit, so a slow transaction can show a lower id after higher ones
   * were read. Rows newer than this are read again on every poll; a lower id that appears is
   * still announced.
   */
  graceMs: number;
  /** Polls of all tails together in flight at once (Foreman serves ~32 requests for everyone). */
  polls: ConcurrencyLimiter;
  /** Which changes: images, or with the catalog too (what the cache must hear of). */
  scope?: 'images' | 'catalog';
  /** Takes a poll's new rows, oldest first; resolves when they are told (a failure retries them). */
  onRows(rows: AuditRecord[]): Promise<void>;
  /** Foreman refused the credentials, or they may not be tried now: the tail has stopped. */
  onStopped(reason: UpstreamError): void;
  onPoll?(outcome: 'ok' | 'error'): void;
  now?: () => number;
}

/** Rows read per request; more are read in further pages of the same poll. */
const PAGE_SIZE = 100;

/**
 * What the tail knows of its credential: not yet answered, accepted and allowed to read audits,
 * or accepted without `view_audit_logs` (Foreman answers 403: the credential works, but changes
 * made elsewhere cannot be read with it, and who made a change is not shown with it).
 */
export type TailState = 'unverified' | 'reads-audits' | 'no-audits';

/**
 * Tails Foreman's audit log for image changes, with one set of credentials, while anyone with
 * them is subscribed: by audit id, every `intervalMs`, from the newest row at start. A poll that
 * fails is retried at the next interval from where the last one stopped, so a gap (Foreman down,
 * more rows than a page) is caught up, never skipped.
 */
export class AuditTail {
  readonly #options: Required<AuditTailOptions>;
  readonly #controller = new AbortController();
  /** Every image audit with an id up to here has been told (or was there before the start). */
  #floor: number | undefined;
  /** Rows told whose id is above the floor, with when they were first read. */
  readonly #told = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #state: TailState = 'unverified';
  /** Settled by the next poll while the credential is unverified: whether Foreman accepted it. */
  #verification!: Promise<void>;
  #settleVerification!: (error?: unknown) => void;

  constructor(options: AuditTailOptions) {
    this.#options = { onPoll: () => undefined, now: Date.now, scope: 'images', ...options };
    this.#awaitVerification();
  }

  #awaitVerification(): void {
    this.#verification = new Promise<void>((resolve, reject) => {
      this.#settleVerification = (error) => {
        if (error === undefined) resolve();
        else {
          reject(error);
          // Those who subscribe from now on wait for the next poll.
          if (this.#state === 'unverified' && !this.#stopped) this.#awaitVerification();
        }
      };
    });
    // Nobody may be waiting when it fails; the failure is theirs to see, not unhandled.
    this.#verification.catch(() => undefined);
  }

  get state(): TailState {
    return this.#state;
  }

  /**
   * Resolves once Foreman has accepted the credential (the first poll's answer, 403 included);
   * rejects with that poll's error otherwise, or when `signal` fires first.
   */
  verified(signal: AbortSignal): Promise<void> {
    if (this.#state !== 'unverified') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#verification.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  start(): void {
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#controller.abort(new Error('nobody is subscribed any more'));
  }

  async #poll(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#options.polls.run(() => this.#read(), this.#controller.signal);
      this.#accepted('reads-audits');
      this.#options.onPoll('ok');
    } catch (error) {
      if (this.#stopped) return;
      if (error instanceof UpstreamError && error.kind === 'http' && error.status === 403) {
        // No view_audit_logs: the credential works; only changes made through the gateway are
        // told. Polling goes on, as the check that the credential still works.
        this.#accepted('no-audits');
        this.#options.onPoll('ok');
      } else {
        this.#options.onPoll('error');
        this.#settleVerification(error);
        if (error instanceof UpstreamError && stopsTail(error)) {
          this.stop();
          this.#options.onStopped(error);
          return;
        }
        // Anything else (Foreman down): the next poll starts where this one did.
      }
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), this.#options.intervalMs);
  }

  #accepted(state: Exclude<TailState, 'unverified'>): void {
    this.#state = state;
    this.#settleVerification();
  }

  #read(): Promise<void> {
    return withChildSignal(this.#controller.signal, (signal) => this.#readWith(signal));
  }

  async #readWith(signal: AbortSignal): Promise<void> {
    const api = this.#options.api(signal);
    if (this.#floor === undefined) {
      // Changes from now on: the newest image audit is where the tail starts.
      const [newest] = await api.changeAudits(undefined, 1, this.#options.scope);
      this.#floor = newest?.id ?? 0;
      return;
    }
    const fresh: AuditRecord[] = [];
    for (let after = this.#floor; ; ) {
      const page = await api.changeAudits(after, PAGE_SIZE, this.#options.scope);
      fresh.push(...page.filter((row) => !this.#told.has(row.id)));
      if (page.length < PAGE_SIZE) break;
      after = (page.at(-1) as AuditRecord).id;
    }
    fresh.sort((a, b) => a.id - b.id);
    await this.#options.onRows(fresh);
    const now = this.#options.now();
    for (const row of fresh) this.#told.set(row.id, now);
    this.#raiseFloor(now);
  }

  /** Rows read longer ago than the grace period are final: the floor moves up to them. */
  #raiseFloor(now: number): void {
    let floor = this.#floor ?? 0;
    for (const [id, readAt] of this.#told) {
      if (now - readAt >= this.#options.graceMs && id > floor) floor = id;
    }
    for (const id of this.#told.keys()) if (id <= floor) this.#told.delete(id);
    this.#floor = floor;
  }
}

/**
 * Refused or unusable credentials, and failed-login budgets that keep them from being tried, end
 * the tail: a credential that does not work holds no subscription.
 */
function stopsTail(error: UpstreamError): boolean {
  return (
    error.kind === 'credentials_refused' ||
    error.kind === 'missing_credentials' ||
    error.kind === 'login_budget' ||
    (error.kind === 'http' && error.status === 401)
  );
}
