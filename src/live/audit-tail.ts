import type { ForemanApi } from '../foreman/api.js';
import { UpstreamError } from '../foreman/errors.js';
import type { ConcurrencyLimiter } from '../foreman/http/limiter.js';
import type { AuditRecord } from '../foreman/records.js';
import { timestamp } from '../foreman/timestamps.js';
import { withChildSignal } from './child-signal.js';
import { type ChangeNotice, noticeFromAudit } from './notices.js';

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
  /** Takes a poll's new changes; resolves when they are told (a failure retries them). */
  onNotices(notices: ChangeNotice[]): Promise<void>;
  /** Foreman refused the credentials, or the caller may not read audits: the tail has stopped. */
  onStopped(reason: UpstreamError): void;
  onPoll?(outcome: 'ok' | 'error'): void;
  now?: () => number;
}

/** Rows read per request; more are read in further pages of the same poll. */
const PAGE_SIZE = 100;

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

  constructor(options: AuditTailOptions) {
    this.#options = { onPoll: () => undefined, now: Date.now, ...options };
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
      this.#options.onPoll('ok');
    } catch (error) {
      if (this.#stopped) return;
      this.#options.onPoll('error');
      if (error instanceof UpstreamError && stopsTail(error)) {
        this.stop();
        this.#options.onStopped(error);
        return;
      }
      // Anything else (Foreman down, a budget spent): the next poll starts where this one did.
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), this.#options.intervalMs);
  }

  #read(): Promise<void> {
    return withChildSignal(this.#controller.signal, (signal) => this.#readWith(signal));
  }

  async #readWith(signal: AbortSignal): Promise<void> {
    const api = this.#options.api(signal);
    if (this.#floor === undefined) {
      // Changes from now on: the newest image audit is where the tail starts.
      const [newest] = await api.imageAudits(undefined, 1);
      this.#floor = newest?.id ?? 0;
      return;
    }
    const fresh: AuditRecord[] = [];
    for (let after = this.#floor; ; ) {
      const page = await api.imageAudits(after, PAGE_SIZE);
      fresh.push(...page.filter((row) => !this.#told.has(row.id)));
      if (page.length < PAGE_SIZE) break;
      after = (page.at(-1) as AuditRecord).id;
    }
    fresh.sort((a, b) => a.id - b.id);
    await this.#options.onNotices(
      fresh.map((row) => noticeFromAudit(row, timestamp(row.created_at))),
    );
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

/** Refused credentials, spent login budgets, and no permission to read audits end the tail. */
function stopsTail(error: UpstreamError): boolean {
  return (
    error.kind === 'credentials_refused' ||
    error.kind === 'missing_credentials' ||
    (error.kind === 'http' && (error.status === 401 || error.status === 403))
  );
}
