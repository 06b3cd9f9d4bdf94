import type { Redis } from 'ioredis';
import type { ChangeBus } from '../live/bus.js';
import type { ChangeNotice } from '../live/notices.js';
import { KEY_PREFIX, ready } from './connection.js';

const CHANNEL = `${KEY_PREFIX}image-changes`;

/**
 * Own writes announced to every replica over Redis pub/sub (at most once, as pub/sub is: a
 * replica that is disconnected at that moment misses the announcement, and its subscribers hear
 * of the change from the audit log instead).
 */
export class RedisChangeBus implements ChangeBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #handlers = new Set<(notice: ChangeNotice) => void>();

  constructor(redis: Redis) {
    this.#publisher = redis;
    // A connection in subscriber mode can do nothing else.
    this.#subscriber = redis.duplicate();
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel !== CHANNEL) return;
      let notice: ChangeNotice;
      try {
        notice = JSON.parse(message) as ChangeNotice;
      } catch {
        return;
      }
      for (const handler of this.#handlers) handler(notice);
    });
  }

  /** Subscribes to the channel; resolves once announcements are being received. */
  async start(): Promise<void> {
    await ready(this.#subscriber);
    await this.#subscriber.subscribe(CHANNEL);
  }

  async publish(notice: ChangeNotice): Promise<void> {
    // The channel is named in full: key prefixes do not apply to pub/sub.
    await this.#publisher.publish(CHANNEL, JSON.stringify(notice));
  }

  subscribe(handler: (notice: ChangeNotice) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    this.#subscriber.disconnect();
  }
}
