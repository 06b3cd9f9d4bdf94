import { Redis } from 'ioredis';

/** Every key and channel the gateway uses, under one prefix, so a shared Redis stays tidy. */
export const KEY_PREFIX = 'foreman-images-graphql:';

/**
 * A connection to the Redis that replicas share. Commands fail fast when Redis is away (no
 * offline queue, one retry, a command timeout): what depends on it degrades to this replica's
 * own state instead of waiting.
 */
export function connectRedis(url: string): Redis {
  return new Redis(url, {
    keyPrefix: KEY_PREFIX,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    // Reconnect for ever, a little slower each time, up to 2 s apart.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}

/** Resolves once the connection is usable (or rejects after `timeoutMs`). */
export function ready(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('Redis did not answer in time'));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
