import './preload.js';
import { type StartedGateway, startGateway } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type GatewayServer, httpServerOptions, listen } from './http-server.js';
import { createLogger, flushLogs, type Logger } from './logger.js';

/**
 * The gateway process: configuration, the port, the demo Foreman when no FOREMAN_URL is set,
 * the gateway, and how it stops. Every mistake an operator can make in the environment, a port
 * in use included, is one line on stderr and exit code 1, before anything else starts.
 */
async function main(): Promise<void> {
  let config = orExit(() => loadConfig());
  const logger = createLogger(config.logLevel);
  const server = await orExitAsync(() => listen(httpServerOptions(config)));

  let foremanUrl = config.foremanUrl;
  let closeDemo = async (): Promise<void> => undefined;
  if (!foremanUrl) {
    // Loaded only when it runs: a gateway in front of a real Foreman never loads the demo.
    const { DEMO_ADMIN, startDemoUpstream } = await import('./demo/index.js');
    const demo = await startDemoUpstream();
    closeDemo = () => demo.close();
    foremanUrl = demo.url;
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
  let gateway: StartedGateway;
  try {
    gateway = await startGateway({ config, foremanUrl, logger, server });
  } catch (error) {
    await closeDemo();
    exit(error);
  }
  logReady(logger, config, foremanUrl, server);
  handleSignals(logger, config, gateway, closeDemo);
}

function logReady(logger: Logger, config: Config, foremanUrl: string, server: GatewayServer) {
  logger.info(
    {
      url: `${server.url}/graphql`,
      foreman: foremanUrl,
      credentials: config.serviceAccount
        ? 'service account'
        : config.fallbackAccount
          ? 'forwarded from each caller, else the demo admin'
          : 'forwarded from each caller',
    },
    `GraphQL gateway ready: ${config.http.graphiql ? 'open' : 'POST to'} ${server.url}/graphql`,
  );
}

/**
 * SIGTERM (an orchestrator stopping the gateway): first drain for SHUTDOWN_DRAIN_MS (readiness
 * answers 503 so traffic moves elsewhere, while requests are still served), then stop accepting
 * connections and let in-flight requests finish for SHUTDOWN_GRACE_MS, then cancel what is left
 * and exit. SIGINT (Ctrl-C at a terminal) skips the drain. A second signal cuts the drain short.
 */
function handleSignals(
  logger: Logger,
  config: Config,
  gateway: StartedGateway,
  closeDemo: () => Promise<unknown>,
): void {
  const { shutdownDrainMs, shutdownGraceMs } = config.http;
  let stopping = false;
  let endDrain: () => void = () => undefined;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      endDrain();
      return;
    }
    stopping = true;
    const drainMs = signal === 'SIGTERM' ? shutdownDrainMs : 0;
    // Whatever happens below (a stuck socket, a closed stdout), the process does end.
    setTimeout(() => process.exit(1), drainMs + shutdownGraceMs + HARD_EXIT_MARGIN_MS).unref();
    let code = 0;
    try {
      if (drainMs > 0) {
        gateway.drain();
        logger.info(
          { signal, drainMs },
          'stopping: draining (readiness answers 503, requests are still served)',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          endDrain = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      logger.info({ signal }, 'stopping: no new connections, finishing in-flight requests');
      await gateway.stop(shutdownGraceMs);
      await closeDemo();
      logger.info('stopped');
    } catch (error) {
      code = 1;
      process.stderr.write(`foreman-images-graphql: error while stopping: ${String(error)}\n`);
    } finally {
      flushLogs(logger);
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** After drain and grace, the process exits even if something still holds it. */
const HARD_EXIT_MARGIN_MS = 500;

function orExit<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    exit(error);
  }
}

async function orExitAsync<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    exit(error);
  }
}

function exit(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`foreman-images-graphql: configuration error: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

await main();
