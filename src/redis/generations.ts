import type { Redis } from 'ioredis';
import type {
  GenerationKind,
  GenerationSnapshot,
  Generations,
} from '../foreman/http/upstream-cache.js';

const KEYS: Record<GenerationKind, string> = {
  images: 'cache:generation:images',
  catalog: 'cache:generation:catalog',
};

/**
 * The cache's generations shared by replicas: a write on one replica makes every replica's
 * entries out of date, read on every hit (not told over pub/sub, which can drop messages). Reads
 * that come in the same turn of the event loop share one round trip, sent after all of them
 * came: none is answered with a value read before it asked. While Redis does not answer, they
 * read as unknown and the cache is not used.
 */
export class RedisGenerations implements Generations {
  readonly #redis: Redis;
  readonly #onError: (error: unknown) => void;
  #waiting: Array<(snapshot: GenerationSnapshot | undefined) => void> = [];

  constructor(redis: Redis, onError: (error: unknown) => void = () => undefined) {
    this.#redis = redis;
    this.#onError = onError;
  }

  read(): Promise<GenerationSnapshot | undefined> {
    return new Promise((resolve) => {
      if (this.#waiting.push(resolve) === 1) setImmediate(() => void this.#flush());
    });
  }

  async bump(kind: GenerationKind): Promise<void> {
    try {
      await this.#redis.incr(KEYS[kind]);
    } catch (error) {
      // Every replica finds Redis away too, and does not use its cache meanwhile.
      this.#onError(error);
    }
  }

  async #flush(): Promise<void> {
    const waiting = this.#waiting;
    this.#waiting = [];
    let snapshot: GenerationSnapshot | undefined;
    try {
      const [images, catalog] = await this.#redis.mget(KEYS.images, KEYS.catalog);
      snapshot = { images: Number(images ?? 0), catalog: Number(catalog ?? 0) };
    } catch (error) {
      this.#onError(error);
    }
    for (const resolve of waiting) resolve(snapshot);
  }
}
