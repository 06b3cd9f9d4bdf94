import type { Config } from './config.js';
import { createUpstreamPool } from './foreman/http/pool.js';
import { createGateway } from './gateway.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { listen, type RunningServer } from './server.js';

export interface StartedGateway extends RunningServer {
  /** Closes the server (letting in-flight requests finish), then the pool to Foreman. */
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
  const gateway = createGateway({
    config,
    foremanUrl,
    dispatcher: pool,
    logger,
    metrics: createMetrics(),
  });
  const running = await listen(gateway, {
    host: config.host,
    port: config.port,
    maxBodyBytes: config.limits.maxBodyBytes,
  });
  return {
    ...running,
    async stop(graceMs) {
      await running.close(graceMs);
      await pool.close();
    },
  };
}
