import { type Config, ConfigError, loadConfig } from './config.js';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from './demo/index.js';
import { createLogger, flushLogs } from './logger.js';
import { type StartedGateway, startGateway } from './start.js';

/**
 * The gateway process: validated configuration, then the gateway. With no FOREMAN_URL it starts
 * the built-in demo upstream on loopback, whose admin acts for callers without credentials, so
 * GraphiQL works at once.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    exitOnConfigError(error);
  }
  const logger = createLogger(config.logLevel);

  let demo: DemoUpstream | undefined;
  if (!config.foremanUrl) {
    demo = await startDemoUpstream();
    // Callers who sign in (say as the demo viewer) act as themselves; the rest as the admin.
    config = {
      ...config,
      fallbackAccount: { username: DEMO_ADMIN.login, password: DEMO_ADMIN.password },
    };
    logger.info(
      { demoUpstream: demo.url },
      `FOREMAN_URL is not set: serving the built-in demo Foreman at ${demo.url}; callers without credentials act as its "${DEMO_ADMIN.login}"`,
    );
  }
  const foremanUrl = config.foremanUrl ?? (demo as DemoUpstream).url;
  let running: StartedGateway;
  try {
    running = await startGateway({ config, foremanUrl, logger });
  } catch (error) {
    exitOnConfigError(error);
  }
  logger.info(
    {
      url: `${running.url}/graphql`,
      foreman: foremanUrl,
      credentials: config.serviceAccount
        ? 'service account'
        : config.fallbackAccount
          ? 'forwarded from each caller, else the demo admin'
          : 'forwarded from each caller',
    },
    `GraphQL gateway ready: ${config.http.graphiql ? 'open' : 'POST to'} ${running.url}/graphql`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Whatever happens below (a stuck socket, a closed stdout), the process does end.
    setTimeout(() => process.exit(1), config.http.shutdownGraceMs + 5_000).unref();
    let code = 0;
    try {
      logger.info({ signal }, 'stopping: no new connections, finishing in-flight requests');
      await running.stop(config.http.shutdownGraceMs);
      await demo?.close();
      logger.info('stopped');
    } catch (error) {
      code = 1;
      process.stderr.write(`foreman-images-graphql: error while stopping: ${String(error)}\n`);
    } finally {
      flushLogs(logger);
      process.exit(code);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`foreman-images-graphql: configuration error: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

await main();
