import { setMaxListeners } from 'node:events';
import { CodedError } from '../error-codes.js';
import type { ForemanApi } from '../foreman/api.js';
import type { Caller } from '../foreman/caller.js';
import type { ChangeNotice, ImageChangeEvent, ImagePlace, ImageWrite } from '../foreman/changes.js';
import { UpstreamError } from '../foreman/errors.js';
import { ConcurrencyLimiter } from '../foreman/http/limiter.js';
import type { AuditRecord } from '../foreman/records.js';
import { timestamp } from '../foreman/timestamps.js';
import type { Logger } from '../logger.js';
import { AuditTail, type TailState } from './audit-tail.js';
import type { ChangeBus } from './bus.js';
import { withChildSignal } from './child-signal.js';
import { noticeFromAudit, noticeFromWrite } from './notices.js';
import { EventQueue } from './queue.js';
import { ToldChanges } from './told-changes.js';
import { matches, viewFor } from './view.js';

export interface LiveChangesOptions {
  /**
   * An API with a caller's credentials, for the reads made on its subscribers' behalf (one poll,
   * one delivery): fresh loaders, a small call cap of its own, cancelled by `signal`. Polls are
   * the gateway's background work; a delivery reads for the subscribers, in their share of
   * Foreman's slots.
   */
  api(caller: Caller, signal: AbortSignal, work: 'poll' | 'delivery'): ForemanApi;
  bus: ChangeBus;
  pollIntervalMs: number;
  graceMs: number;
  maxSubscriptions: number;
  maxSubscriptionsPerCaller: number;
  pollConcurrency: number;
  logger: Logger;
  metrics?: LiveMetrics | undefined;
  /**
   * Told of every audit row the tails read (images, and with `catalog`, the compute resources,
   * operating systems and architectures whose names image rows carry): the cache's evictions.
   */
  onAuditRows?: ((rows: AuditRecord[]) => void) | undefined;
  /** Tails read the catalog's changes too (the cache needs them), not only images'. */
  catalog?: boolean | undefined;
}

export interface LiveMetrics {
  subscriptions(count: number): void;
  poll(outcome: 'ok' | 'error'): void;
  event(source: ChangeNotice['source'], lagSeconds: number): void;
}

interface Subscriber {
  /** Whose per-caller count it is in. */
  share: string;
  filter: ImagePlace;
  queue: EventQueue<ImageChangeEvent>;
}

/** Subscribers sharing one credential: one tail of the audit log, one view of changes. */
interface Group {
  caller: Caller;
  subscribers: Set<Subscriber>;
  /** Holders that keep the tail running without subscribers (the cache, in service-account mode). */
  holds: number;
  controller: AbortController;
  tail: AuditTail;
  /** Changes told to this group, by either route. */
  told: ToldChanges;
}

/** Events queued for a subscriber that reads slower than changes come. */
const QUEUE_CAPACITY = 100;
/**
 * How long a told change is remembered, so that its other route does not tell it again: longer
 * than the audit grace period and any announcement's trip through the bus.
 */
const TOLD_FOR_MS = 10 * 60_000;

/**
 * Live image changes: the gateway's own writes, announced at once on the bus (to every replica),
 * and changes made elsewhere, from tailing Foreman's audit log with each distinct credential that
 * has subscribers. Every event a subscriber gets was read with its own credentials (view.ts).
 * A subscription holds only while its credential works: it is verified with Foreman before the
 * subscription starts (the tail's first read), and every poll checks it again.
 */
export class LiveChanges {
  readonly #options: LiveChangesOptions;
  readonly #groups = new Map<string, Group>();
  /** Open subscriptions per caller share (credential, or address for a shared credential). */
  readonly #perShare = new Map<string, number>();
  readonly #polls: ConcurrencyLimiter;
  readonly #stopListening: () => void;
  #count = 0;

  constructor(options: LiveChangesOptions) {
    this.#options = options;
    this.#polls = new ConcurrencyLimiter(options.pollConcurrency);
    this.#stopListening = options.bus.subscribe((notice) => void this.#onAnnounced(notice));
  }

  /**
   * A stream of the changes `api`'s caller may see that match `filter`, until `signal` fires.
   * Resolves once Foreman has accepted the credential (a refused one, or one a failed-login
   * budget keeps from being tried, holds no subscription).
   */
  async subscribe(
    api: ForemanApi,
    filter: ImagePlace,
    signal: AbortSignal,
  ): Promise<AsyncIterableIterator<ImageChangeEvent>> {
    const { caller } = api;
    if (!caller.authorization || !caller.identity) {
      throw new CodedError(
        'UNAUTHENTICATED',
        caller.problem
          ? `Unusable credentials: ${caller.problem}`
          : 'No credentials: send an Authorization header (HTTP Basic, or a Foreman personal access token as the password)',
      );
    }
    if (this.#count >= this.#options.maxSubscriptions) {
      throw CodedError.limit(
        'subscriptions',
        'The gateway serves as many subscriptions as it may; try again later',
      );
    }
    if ((this.#perShare.get(caller.share) ?? 0) >= this.#options.maxSubscriptionsPerCaller) {
      throw CodedError.limit(
        'subscriptions',
        `At most ${this.#options.maxSubscriptionsPerCaller} subscriptions per caller`,
      );
    }
    const key = caller.identity;
    const group = this.#groups.get(key) ?? this.#startGroup(key, caller);
    const subscriber: Subscriber = {
      share: caller.share,
      filter,
      queue: new EventQueue(QUEUE_CAPACITY, () => this.#leave(key, subscriber)),
    };
    // Counted before the wait below, so concurrent subscriptions cannot all pass the limits.
    group.subscribers.add(subscriber);
    this.#count += 1;
    this.#perShare.set(caller.share, (this.#perShare.get(caller.share) ?? 0) + 1);
    this.#options.metrics?.subscriptions(this.#count);
    const onAbort = () => void subscriber.queue.return();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await group.tail.verified(signal);
    } catch (error) {
      signal.removeEventListener('abort', onAbort);
      await subscriber.queue.return();
      throw toLiveError(error);
    }
    return subscriber.queue;
  }

  /**
   * Keeps a tail of the audit log running with this caller's credential, subscribers or not,
   * until the returned function is called: what the cache holds for everyone (a service account)
   * is evicted when the audit log shows a change.
   */
  hold(caller: Caller): () => void {
    const key = caller.identity;
    if (!key) return () => undefined;
    const group = this.#groups.get(key) ?? this.#startGroup(key, caller);
    group.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      group.holds -= 1;
      this.#endIfIdle(key, group);
    };
  }

  /** Tells every replica's subscribers of a write this gateway just made. */
  announce(write: ImageWrite): void {
    this.#options.bus.publish(noticeFromWrite(write)).catch((error: unknown) => {
      this.#options.logger.warn({ error: String(error) }, 'could not announce an image change');
    });
  }

  get subscriptions(): number {
    return this.#count;
  }

  /** Ends every subscription and tail (the gateway is stopping). */
  async close(): Promise<void> {
    this.#stopListening();
    for (const group of [...this.#groups.values()]) {
      for (const subscriber of [...group.subscribers]) await subscriber.queue.return();
    }
  }

  #startGroup(key: string, caller: Caller): Group {
    const controller = new AbortController();
    // One listener per delivery in flight (a burst of changes has many), each removed after it.
    setMaxListeners(0, controller.signal);
    const group: Group = {
      caller,
      subscribers: new Set(),
      holds: 0,
      controller,
      told: new ToldChanges(TOLD_FOR_MS),
      // The tail's own signal ends with the group's (#leave stops both).
      tail: new AuditTail({
        api: (signal) => this.#options.api(caller, signal, 'poll'),
        intervalMs: this.#options.pollIntervalMs,
        graceMs: this.#options.graceMs,
        polls: this.#polls,
        scope: this.#options.catalog ? 'catalog' : 'images',
        onRows: async (rows) => {
          this.#options.onAuditRows?.(rows);
          const images = rows.filter((row) => row.auditable_type === 'Image');
          await this.#deliver(
            group,
            images.map((row) => noticeFromAudit(row, timestamp(row.created_at))),
          );
        },
        onStopped: (reason) => this.#tailStopped(group, reason),
        onPoll: (outcome) => this.#options.metrics?.poll(outcome),
      }),
    };
    this.#groups.set(key, group);
    group.tail.start();
    return group;
  }

  #leave(key: string, subscriber: Subscriber): void {
    const group = this.#groups.get(key);
    if (!group?.subscribers.delete(subscriber)) return;
    this.#count -= 1;
    const left = (this.#perShare.get(subscriber.share) ?? 1) - 1;
    if (left > 0) this.#perShare.set(subscriber.share, left);
    else this.#perShare.delete(subscriber.share);
    this.#options.metrics?.subscriptions(this.#count);
    this.#endIfIdle(key, group);
  }

  /** The last one left: no more polling, and nothing in flight for them. */
  #endIfIdle(key: string, group: Group): void {
    if (group.subscribers.size > 0 || group.holds > 0) return;
    group.tail.stop();
    group.controller.abort(new Error('nobody is subscribed any more'));
    if (this.#groups.get(key) === group) this.#groups.delete(key);
  }

  async #onAnnounced(notice: ChangeNotice): Promise<void> {
    await Promise.all(
      [...this.#groups.values()].map((group) =>
        this.#deliver(group, [notice]).catch((error: unknown) => {
          this.#options.logger.warn(
            { error: String(error), imageId: notice.imageId },
            'could not tell subscribers of an image change',
          );
        }),
      ),
    );
  }

  /** Tells a group's subscribers of the changes not yet told to it, each as they may see it. */
  async #deliver(group: Group, notices: ChangeNotice[]): Promise<void> {
    if (group.subscribers.size === 0) return;
    // Marked before the reads below: the other route may bring the same change meanwhile.
    const untold = notices.filter((notice) => group.told.take(notice));
    if (untold.length === 0) return;
    const events = await withChildSignal(group.controller.signal, (signal) => {
      const api = this.#options.api(group.caller, signal, 'delivery');
      return Promise.all(untold.map((notice) => viewFor(api, notice)));
    }).catch((error: unknown) => {
      // Not told after all: the tail retries its rows at the next poll.
      for (const notice of untold) group.told.giveBack(notice);
      throw error;
    });
    // Foreman shows who made a change only to those who may read its audit log.
    const showAuthor = group.tail.state === 'reads-audits';
    for (const event of events) {
      if (!event) continue;
      const told = showAuthor ? event : { ...event, by: null };
      this.#options.metrics?.event(event.source, (Date.now() - Date.parse(event.at)) / 1000);
      for (const subscriber of group.subscribers) {
        if (matches(told, subscriber.filter)) subscriber.queue.push(told);
      }
    }
  }

  #tailStopped(group: Group, reason: UpstreamError): void {
    const ended = toLiveError(reason);
    for (const subscriber of [...group.subscribers]) subscriber.queue.fail(ended);
  }
}

/** What ends (or refuses) a subscription, as the client is told it. */
function toLiveError(error: unknown): Error {
  if (!(error instanceof UpstreamError)) return error as Error;
  const retryAfter =
    error.retryAfterMs === undefined
      ? undefined
      : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  const retry = retryAfter === undefined ? {} : { retryAfter };
  if (error.kind === 'login_budget') {
    return CodedError.limit('failedLogins', error.message, retryAfter);
  }
  if (error.kind === 'missing_credentials' || error.kind === 'credentials_refused') {
    return new CodedError('UNAUTHENTICATED', error.message, retry);
  }
  if (error.kind === 'http' && error.status === 401) {
    return new CodedError(
      'UNAUTHENTICATED',
      `Foreman does not accept these credentials: ${error.message}`,
    );
  }
  // Foreman unreachable and the like: the client is told with the upstream error's own code.
  return error;
}

export type { TailState };
