import { setMaxListeners } from 'node:events';
import type { ForemanApi } from '../foreman/api.js';
import type { UpstreamError } from '../foreman/errors.js';
import type { Caller } from '../foreman/http/client.js';
import { ConcurrencyLimiter } from '../foreman/http/limiter.js';
import type { Logger } from '../logger.js';
import { AuditTail } from './audit-tail.js';
import type { ChangeBus } from './bus.js';
import { withChildSignal } from './child-signal.js';
import { ExpiringSet } from './expiring-set.js';
import type { ChangeNotice, ImagePlace } from './notices.js';
import { EventQueue } from './queue.js';
import { type ImageChangeEvent, matches, viewFor } from './view.js';

export interface LiveChangesOptions {
  /** An API with a caller's credentials, for the reads made on behalf of its subscribers. */
  api(caller: Caller, signal: AbortSignal): ForemanApi;
  /** The keyed hash that stands for a credential (subscribers sharing one share a tail). */
  credentialId(authorization: string): Promise<string>;
  bus: ChangeBus;
  pollIntervalMs: number;
  graceMs: number;
  maxSubscriptions: number;
  maxSubscriptionsPerCaller: number;
  pollConcurrency: number;
  logger: Logger;
  metrics?: LiveMetrics | undefined;
}

export interface LiveMetrics {
  subscriptions(count: number): void;
  poll(outcome: 'ok' | 'error'): void;
  event(source: ChangeNotice['source'], lagSeconds: number): void;
}

/** Why a subscription is refused or ended, with the code the client sees. */
export class LiveError extends Error {
  override readonly name = 'LiveError';

  constructor(
    readonly code: 'UNAUTHENTICATED' | 'LIMIT_EXCEEDED',
    message: string,
  ) {
    super(message);
  }
}

interface Subscriber {
  filter: ImagePlace;
  queue: EventQueue<ImageChangeEvent>;
}

/** Subscribers sharing one set of credentials: one tail of the audit log, one view of changes. */
interface Group {
  caller: Caller;
  subscribers: Set<Subscriber>;
  controller: AbortController;
  tail: AuditTail;
  /** Changes told to this group, by either route. */
  told: ExpiringSet;
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
 */
export class LiveChanges {
  readonly #options: LiveChangesOptions;
  readonly #groups = new Map<string, Group>();
  readonly #polls: ConcurrencyLimiter;
  readonly #stopListening: () => void;
  #count = 0;

  constructor(options: LiveChangesOptions) {
    this.#options = options;
    this.#polls = new ConcurrencyLimiter(options.pollConcurrency);
    this.#stopListening = options.bus.subscribe((notice) => void this.#onAnnounced(notice));
  }

  /** A stream of the changes `caller` may see that match `filter`, until `signal` fires. */
  async subscribe(
    caller: Caller,
    filter: ImagePlace,
    signal: AbortSignal,
  ): Promise<AsyncIterableIterator<ImageChangeEvent>> {
    const { authorization } = caller;
    if (!authorization) {
      throw new LiveError(
        'UNAUTHENTICATED',
        'No credentials: send an Authorization header (HTTP Basic, or a Foreman personal access token as the password)',
      );
    }
    const key = await this.#options.credentialId(authorization);
    const existing = this.#groups.get(key);
    if (this.#count >= this.#options.maxSubscriptions) {
      throw new LiveError('LIMIT_EXCEEDED', 'The gateway serves as many subscriptions as it may');
    }
    if ((existing?.subscribers.size ?? 0) >= this.#options.maxSubscriptionsPerCaller) {
      throw new LiveError(
        'LIMIT_EXCEEDED',
        `At most ${this.#options.maxSubscriptionsPerCaller} subscriptions per caller`,
      );
    }
    const group = existing ?? this.#startGroup(key, caller);
    const subscriber: Subscriber = {
      filter,
      queue: new EventQueue(QUEUE_CAPACITY, () => this.#leave(key, subscriber)),
    };
    group.subscribers.add(subscriber);
    this.#count += 1;
    this.#options.metrics?.subscriptions(this.#count);
    signal.addEventListener('abort', () => void subscriber.queue.return(), { once: true });
    return subscriber.queue;
  }

  /** Tells every replica's subscribers of a write this gateway just made. */
  announce(notice: ChangeNotice): void {
    this.#options.bus.publish(notice).catch((error: unknown) => {
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
      controller,
      told: new ExpiringSet(TOLD_FOR_MS),
      // The tail's own signal ends with the group's (#leave stops both).
      tail: new AuditTail({
        api: (signal) => this.#options.api(caller, signal),
        intervalMs: this.#options.pollIntervalMs,
        graceMs: this.#options.graceMs,
        polls: this.#polls,
        onNotices: async (notices) => {
          await this.#deliver(group, notices);
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
    this.#options.metrics?.subscriptions(this.#count);
    if (group.subscribers.size > 0) return;
    // The last one left: no more polling, and nothing in flight for them.
    group.tail.stop();
    group.controller.abort(new Error('nobody is subscribed any more'));
    this.#groups.delete(key);
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
    const untold = notices.filter((notice) => {
      const key = keyOf(notice);
      return key === undefined || group.told.add(key);
    });
    if (untold.length === 0) return;
    const events = await withChildSignal(group.controller.signal, (signal) => {
      const api = this.#options.api(group.caller, signal);
      return Promise.all(untold.map((notice) => viewFor(api, notice)));
    }).catch((error: unknown) => {
      // Not told after all: the tail retries its rows at the next poll.
      for (const notice of untold) {
        const key = keyOf(notice);
        if (key !== undefined) group.told.delete(key);
      }
      throw error;
    });
    for (const event of events) {
      if (!event) continue;
      this.#options.metrics?.event(event.source, (Date.now() - Date.parse(event.at)) / 1000);
      for (const subscriber of group.subscribers) {
        if (matches(event, subscriber.filter)) subscriber.queue.push(event);
      }
    }
  }

  #tailStopped(group: Group, reason: UpstreamError): void {
    if (reason.status === 403) {
      // No view_audit_logs: the gateway's own writes are still told; changes made elsewhere not.
      this.#options.logger.warn(
        'a subscriber may not read Foreman audits: it hears only of changes made through the gateway',
      );
      return;
    }
    const ended = new LiveError(
      'UNAUTHENTICATED',
      `Foreman no longer accepts these credentials: ${reason.message}`,
    );
    for (const subscriber of [...group.subscribers]) subscriber.queue.fail(ended);
  }
}

/**
 * A change as both its routes name it: Foreman keeps the request id of the write it audits.
 * Without one, two changes could not be told apart: such a change is never taken for another
 * (told twice at worst, never lost).
 */
function keyOf(notice: ChangeNotice): string | undefined {
  if (!notice.requestId) return undefined;
  return `${notice.requestId}/${notice.imageId}/${notice.action}`;
}
