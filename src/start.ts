import { ActiveRequests } from './active-requests.js';
import { type Config, ConfigError } from './config.js';
import { LoginGuard } from './foreman/http/login-guard.js';
import { createUpstreamPool } from './foreman/http/pool.js';
import { createGateway } from './gateway.js';
import { graphiqlPageFor } from './graphiql.js';
import { MemoryChangeBus } from './live/bus.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { PersistedManifest } from './plugins/use-persisted-documents.js';
import { RedisChangeBus } from './redis/change-bus.js';
import { connectRedis, ready } from './redis/connection.js';
import { RedisLoginLedger } from './redis/login-ledger.js';
import { listen, type RunningServer } from './server.js';

export interface StartedGateway extends RunningServer {
  /**
   * Closes the server (letting in-flight requests finish up to `graceMs`, then cancelling their
   * upstream calls), then the pool to Foreman.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The whole wiring, as `npm start` runs it: one keep-alive pool to Foreman, the gateway, and an
 * HTTP listener. Tests and benchmarks use it too, so they measure what users run.
 */
export async function startGateway(options: {
  config: Config;
  foremanUrl: string;
  logger: Logger;
}): Promise<StartedGateway> {
  const { config, foremanUrl, logger } = options;
  const pool = createUpstreamPool({
    foremanUrl,
    caFile: config.foremanCaFile,
    connectTimeoutMs: config.foremanConnectTimeoutMs,
    connections: config.limits.upstreamConnections,
  });
  const activeRequests = new ActiveRequests();
  const persistedDocuments = config.http.persistedOperationsFile
    ? PersistedManifest.fromFile(config.http.persistedOperationsFile)
    : undefined;
  const shared = await sharedState(config, logger);
  const changeBus = shared?.changeBus ?? new MemoryChangeBus();
  const { gateway, live } = createGateway({
    config,
    foremanUrl,
    dispatcher: pool,
    logger,
    metrics: createMetrics(),
    loginGuard: new LoginGuard({ ...config.logins, ...(shared ? { ledger: shared.ledger } : {}) }),
    activeRequests,
    persistedDocuments,
    changeBus,
  });
  const { http, limits } = config;
  const running = await listen(gateway, {
    host: config.host,
    port: config.port,
    maxBodyBytes: limits.maxBodyBytes,
    headersTimeoutMs: http.headersTimeoutMs,
    requestTimeoutMs: http.requestTimeoutMs,
    keepAliveTimeoutMs: http.keepAliveTimeoutMs,
    maxConnections: http.maxConnections,
    graphiql: graphiqlPageFor(config, persistedDocuments),
  });
  return {
    ...running,
    async stop(graceMs) {
      // Subscriptions would otherwise hold their connections open until the deadline.
      await live.close();
      await running.close(graceMs, () => activeRequests.abortAll('the gateway is shutting down'));
      // Only now: requests finishing in the grace period still share the failed-login ledger
      // and announce their writes to the other replicas.
      await changeBus.close();
      shared?.redis.disconnect();
      // Anything still open towards Foreman belongs to requests that are gone.
      await pool.destroy();
    },
  };
}

/**
 * With REDIS_URL, what replicas share: announcements of own writes, and the failed-login ledger.
 * Redis must answer at start; later outages degrade each replica to its own state.
 */
async function sharedState(config: Config, logger: Logger) {
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
  const changeBus = new RedisChangeBus(redis);
  await changeBus.start();
  const ledger = new RedisLoginLedger(redis, (error) =>
    logger.warn({ error: String(error) }, 'Redis: failed-login state kept on this replica for now'),
  );
  return { redis, changeBus, ledger };
}
