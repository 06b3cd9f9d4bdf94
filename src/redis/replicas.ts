import { type Config, ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { RedisChangeBus } from './change-bus.js';
import { connectRedis, ready } from './connection.js';
import { reportDrops } from './dropped-messages.js';
import { RedisLoginLedger } from './login-ledger.js';
import { NoticeGate } from './notice-gate.js';
import { deriveKey } from './shared-secret.js';
import { SignedMessages } from './signed-messages.js';

/**
 * With REDIS_URL, what replicas share: the failed-login ledger, and with SHARED_SECRET,
 * announcements of own writes and refused credentials. Redis must answer at start; later
 * outages degrade each replica to its own state.
 */
export async function connectReplicas(config: Config, logger: Logger, metrics: Metrics) {
  const url = config.live.redisUrl;
  if (!url) return undefined;
  const redis = connectRedis(url);
  redis.on('error', (error: Error) =>
    logger.warn({ error: error.message }, 'Redis: connection trouble'),
  );
  try {
    await ready(redis);
  } catch {
    redis.disconnect();
    throw new ConfigError(`REDIS_URL: Redis did not answer at ${new URL(url).host}`);
  }
  const { sharedSecret, previousSharedSecret, count, noticesPerSecond } = config.replicas;
  const ledger = new RedisLoginLedger(redis, {
    hashKey: sharedSecret ? deriveKey(sharedSecret, 'login-ledger') : undefined,
    replicas: count,
    onDown: (error) =>
      logger.warn(
        { error: String(error), share: `1/${count}` },
        'Redis: failed-login state kept on this replica, with its share of each budget, until Redis answers again',
      ),
    onBack: () => logger.info('Redis answers again: failed-login state is shared again'),
  });
  await ledger.removeStoredKey();
  if (!sharedSecret) {
    logger.warn(
      'REDIS_URL without SHARED_SECRET: replicas share only the failed-login budgets; a replica tells its own subscribers of its writes at once, those of other replicas read them from the audit log, and a refused credential is remembered only by the replica that saw it',
    );
    return { redis, ledger, changeBus: undefined };
  }
  const changeBus = new RedisChangeBus(redis, {
    messages: new SignedMessages({
      signingKey: deriveKey(sharedSecret, 'change-bus'),
      verifyingKeys: previousSharedSecret ? [deriveKey(previousSharedSecret, 'change-bus')] : [],
    }),
    gate: new NoticeGate(noticesPerSecond),
    dropped: reportDrops({
      count: (reason) => metrics.redisMessagesDropped.inc({ reason }),
      logger,
    }),
    logger,
  });
  await changeBus.start();
  return { redis, changeBus, ledger };
}
