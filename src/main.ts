import { type Config, ConfigError, loadConfig } from './config.js';
import { DEMO_ADMIN, startDemoUpstream } from './demo/index.js';
import { createUpstreamPool } from './foreman/pool.js';
import { createGateway } from './gateway.js';
import { createLogger } from './logger.js';
import { listen } from './server.js';

/**
 * Entry point: validated configuration, then the gateway. With no FOREMAN_URL it starts the
 * built-in demo upstream on loopback and uses its admin account, so GraphiQL works at once.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`foreman-images-graphql: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  const demo = config.foremanUrl ? undefined : await startDemoUpstream();
  if (demo) {
    config = {
      ...config,
      serviceAccount: config.serviceAccount ?? {
        username: DEMO_ADMIN.login,
        password: DEMO_ADMIN.password,
      },
    };
    logger.info(
      { demoUpstream: demo.url },
      `FOREMAN_URL is not set: serving the built-in demo Foreman at ${demo.url} as user "${config.serviceAccount?.username}"`,
    );
  }
  const foremanUrl = config.foremanUrl ?? (demo?.url as string);
  const pool = createUpstreamPool({
    foremanUrl,
    caFile: config.foremanCaFile,
    connectTimeoutMs: config.foremanTimeoutMs,
    connections: config.limits.upstreamConnections,
  });
  const gateway = createGateway({ config, foremanUrl, dispatcher: pool, logger });
  const running = await listen(gateway, config.host, config.port);
  logger.info(
    {
      url: `${running.url}/graphql`,
      foreman: foremanUrl,
      credentials: config.serviceAccount ? 'service account' : 'forwarded from each caller',
    },
    `GraphQL gateway ready: open ${running.url}/graphql for GraphiQL`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    await running.close();
    await pool.close();
    await demo?.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

await main();
