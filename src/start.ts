import { ActiveRequests } from './active-requests.js';
import { type Config, ConfigError } from './config.js';
import { Callers } from './foreman/caller.js';
import { LoginGuard } from './foreman/http/login-guard.js';
import { createUpstreamPool } from './foreman/http/pool.js';
import { createGateway } from './gateway.js';
import { graphiqlPageFor } from './graphiql.js';
import { MemoryChangeBus } from './live/bus.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { PersistedManifest } from './plugins/use-persisted-documents.js';
import { RedisChangeBus } from './redis/change-bus.js';
import { connectRedis, ready } from './redis/connection.js';
import { reportDrops } from './redis/dropped-messages.js';
import { RedisLoginLedger } from './redis/login-ledger.js';
import { NoticeGate } from './redis/notice-gate.js';
import { deriveKey } from './redis/shared-secret.js';
import { SignedMessages } from './redis/signed-messages.js';
import { listen, type RunningServer } from './server.js';
import { startTracing } from './tracing/tracing.js';

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
  const metrics = createMetrics();
  const shared = await sharedState(config, logger, metrics);
  const changeBus = shared?.changeBus ?? new MemoryChangeBus();
  const { logins } = config;
  const loginGuard = new LoginGuard({
    refusedCredentialTtlMs: logins.refusedCredentialTtlMs,
    clientFailureLimit: logins.clientFailureLimit,
    foremanFailureBudget: logins.foremanFailureBudget,
    windowMs: logins.windowMs,
    credentialConcurrency: logins.credentialConcurrency,
    idleProbeMs: logins.credentialIdleMs,
    ...(shared ? { ledger: shared.ledger } : {}),
  });
  const callers = new Callers({
    identityKey: await loginGuard.hashKey(),
    serviceAccount: config.serviceAccount,
    fallbackAccount: config.fallbackAccount,
    trustedProxies: logins.trustedProxies,
    forwardClientAddress: logins.forwardClientAddress,
  });
  const tracing = await startTracing({ config, foremanUrl, logger });
  const { gateway, live } = createGateway({
    config,
    foremanUrl,
    dispatcher: pool,
    logger,
    metrics,
    loginGuard,
    callers,
    activeRequests,
    persistedDocuments,
    changeBus,
    tracing,
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
      // Last: the spans of the requests that finished above are exported before the exit.
      await tracing?.shutdown();
    },
  };
}

/**
 * With REDIS_URL, what replicas share: the failed-login ledger, and with SHARED_SECRET,
 * announcements of own writes and refused credentials. Redis must answer at start; later
 * outages degrade each replica to its own state.
 */
async function sharedState(config: Config, logger: Logger, metrics: Metrics) {
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
