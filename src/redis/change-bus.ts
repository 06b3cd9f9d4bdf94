import type { Redis } from 'ioredis';
import type { ChangeNotice } from '../foreman/changes.js';
import type { ChangeBus } from '../live/bus.js';
import type { Logger } from '../logger.js';
import { KEY_PREFIX, ready } from './connection.js';
import { decodeNotice, encodeNotice } from './notice-codec.js';
import type { NoticeGate } from './notice-gate.js';
import type { Refusal, SignedMessages } from './signed-messages.js';

export const CHANNEL = `${KEY_PREFIX}image-changes`;

/**
 * Why a message from Redis was not passed on: refused before it was read (Refusal), not a
 * notice (`invalid`), or held back by the gate (`duplicate`, `rate-limited`).
 */
export type DropReason = Refusal | 'invalid' | 'duplicate' | 'rate-limited';

export interface RedisChangeBusOptions {
  /** Seals what this replica publishes and opens what it receives (SHARED_SECRET). */
  messages: SignedMessages;
  gate: NoticeGate;
  /** A message dropped, with a short problem for invalid ones (never the message itself). */
  dropped(reason: DropReason, problem?: string): void;
  logger: Logger;
}

/**
 * Own writes announced to every replica over Redis pub/sub (at most once, as pub/sub is: a
 * replica that is disconnected at that moment misses the announcement, and its subscribers hear
 * of the change from the audit log instead). Anyone who can reach Redis can publish on the
 * channel, so nothing received is trusted: every message must be sealed with the replicas'
 * shared secret, fresh and not seen before, and hold a valid notice, and the gate bounds how
 * many are passed on; the rest are dropped and counted.
 */
export class RedisChangeBus implements ChangeBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #options: RedisChangeBusOptions;
  readonly #handlers = new Set<(notice: ChangeNotice) => void>();

  constructor(redis: Redis, options: RedisChangeBusOptions) {
    this.#publisher = redis;
    this.#options = options;
    // A connection in subscriber mode can do nothing else.
    this.#subscriber = redis.duplicate();
    // The main connection reports the same trouble; unheard, ioredis would print it to stderr.
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === CHANNEL) this.#receive(message);
    });
  }

  /** Subscribes to the channel; resolves once announcements are being received. */
  async start(): Promise<void> {
    await ready(this.#subscriber);
    await this.#subscriber.subscribe(CHANNEL);
  }

  async publish(notice: ChangeNotice): Promise<void> {
    try {
      // The channel is named in full: key prefixes do not apply to pub/sub.
      await this.#publisher.publish(CHANNEL, this.#options.messages.seal(encodeNotice(notice)));
    } catch (error) {
      // Redis is away: this replica's own subscribers are still told at once (the others read
      // the change from the audit log).
      this.#options.logger.warn(
        { error: String(error) },
        'Redis: an image change is told on this replica only',
      );
      this.#deliver(notice);
    }
  }

  subscribe(handler: (notice: ChangeNotice) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#subscriber.disconnect();
  }

  #receive(message: string): void {
    const checked = this.#check(message);
    if ('reason' in checked) {
      this.#options.dropped(checked.reason, checked.problem);
      return;
    }
    this.#deliver(checked.notice);
  }

  /** The notice a message holds, if it may be passed on; else why not. */
  #check(message: string): { notice: ChangeNotice } | { reason: DropReason; problem?: string } {
    const { messages, gate } = this.#options;
    const opened = messages.open(message);
    if ('refused' in opened) return { reason: opened.refused };
    let value: unknown;
    try {
      value = JSON.parse(opened.body);
    } catch {
      return { reason: 'invalid', problem: 'not JSON' };
    }
    const decoded = decodeNotice(value);
    if ('problem' in decoded) return { reason: 'invalid', problem: decoded.problem };
    const admitted = gate.admit(decoded.notice);
    if (admitted !== 'pass') return { reason: admitted };
    messages.remember(opened);
    return decoded;
  }

  #deliver(notice: ChangeNotice): void {
    for (const handler of this.#handlers) {
      try {
        handler(notice);
      } catch (error) {
        this.#options.logger.warn(
          { error: String(error), imageId: notice.imageId },
          'could not pass on an image change',
        );
      }
    }
  }
}
