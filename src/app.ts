import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import { ActiveRequests } from './active-requests.js';
import type { Config } from './config.js';
import {
  createContext,
  ForemanAccess,
  type GatewayApp,
  type GatewayContext,
  type NodeServerContext,
  type RequestFacts,
} from './context.js';
import { Callers } from './foreman/caller.js';
import { UpstreamError, upstreamCauseOf } from './foreman/errors.js';
import { Flights } from './foreman/http/flights.js';
import { LoginGuard } from './foreman/http/login-guard.js';
import { createUpstreamPool } from './foreman/http/pool.js';
import { UpstreamScheduler } from './foreman/http/scheduler.js';
import { LocalGenerations, UpstreamCache } from './foreman/http/upstream-cache.js';
import { ImageLocations } from './foreman/image-locations.js';
import { graphiqlPageFor } from './graphiql.js';
import { type GatewayServer, httpServerOptions, listen } from './http-server.js';
import { MemoryChangeBus } from './live/bus.js';
import { LiveChanges } from './live/live-changes.js';
import { type Logger, yogaLogger } from './logger.js';
import { createMetrics, labelled, liveMetrics, type Metrics } from './metrics.js';
import { documentCacheFor, errorCacheFor } from './plugins/document-cache.js';
import { useDocumentLimits } from './plugins/use-document-limits.js';
import { useErrorCodes } from './plugins/use-error-codes.js';
import { useHiddenSubgraphSdl } from './plugins/use-hidden-subgraph-sdl.js';
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.js';
import {
  createObservability,
  type Observability,
  upstreamCallReporter,
} from './plugins/use-observability.js';
import { PersistedManifest, usePersistedDocuments } from './plugins/use-persisted-documents.js';
import { useQueryLimits } from './plugins/use-query-limits.js';
import { ForemanPing, useForemanReadiness } from './plugins/use-readiness.js';
import { useRetryAfter } from './plugins/use-retry-after.js';
import { useSignIn } from './plugins/use-sign-in.js';
import { useSubscriptionEvents } from './plugins/use-subscription-events.js';
import { RedisGenerations } from './redis/generations.js';
import { connectReplicas } from './redis/replicas.js';
import { requestIdOf } from './request-id.js';
import { maskGatewayError } from './schema/errors.js';
import { schema } from './schema/index.js';
import { credentialMode } from './sign-in-status.js';
import { startTracing, type Tracing } from './tracing/tracing.js';

/**
 * The app: one gateway's dependencies, made once from the configuration, and graphql-yoga with
 * its plugins over them. The same dependency object reaches every request's context.
 */
export interface GatewayDependencies {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** Foreman's base URL: the configured one, or the demo upstream's. */
  foremanUrl: string;
  /** The one keep-alive pool towards Foreman. */
  dispatcher: Dispatcher;
  /** Its sockets, shared fairly between callers. */
  scheduler: UpstreamScheduler;
  /** Keeps callers' credentials from locking everyone out of Foreman. */
  loginGuard: LoginGuard;
  /** Makes each request's ForemanApi: its caller, client, loaders and write events. */
  access: ForemanAccess;
  /** Live image changes: subscriptions, told of the APIs' writes. */
  live: LiveChanges;
  /** Every request's abort signal, for cancelling upstream work (and all of it at shutdown). */
  activeRequests: ActiveRequests;
  /** When set, only these documents run. */
  persistedDocuments: PersistedManifest | undefined;
  /** Set while the gateway drains before it stops: readiness then answers 503. */
  lifecycle: { draining: boolean };
  /** Traces of requests, operations and Foreman calls; unset when tracing is off. */
  tracing: Tracing | undefined;
  /** Whether FOREMAN_URL leads to a working Foreman (`GET /api/ping`): at start and for /readyz. */
  foremanPing: ForemanPing;
  /** Each request's log line and metrics, made when its response is over. */
  observability: Observability;
}

export interface StartedGateway {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  server: GatewayServer['server'];
  /**
   * Settles once the start-up checks are done: Foreman's ping, then the service account's check
   * when there is one (their findings are logged; nothing waits for them to serve).
   */
  checked: Promise<void>;
  /** From now on readiness answers 503, while requests are still served. */
  drain(): void;
  /**
   * Ends subscriptions (their clients reconnect elsewhere), closes the server (letting
   * in-flight requests finish up to `graceMs`, then cancelling their upstream calls), then
   * what it holds: Redis, the pool to Foreman.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * One running gateway, as `npm start` runs it and as tests and benchmarks start it (so they
 * measure what users run): its dependencies, the app, and the HTTP server (bound here unless the
 * process bound it first).
 */
export async function startGateway(options: {
  config: Config;
  foremanUrl: string;
  logger: Logger;
  server?: GatewayServer;
}): Promise<StartedGateway> {
  const { config, foremanUrl, logger } = options;
  const server = options.server ?? (await listen(httpServerOptions(config)));
  const metrics = createMetrics();
  const replicas = await connectReplicas(config, logger, metrics);
  const persistedDocuments = config.http.persistedOperationsFile
    ? PersistedManifest.fromFile(config.http.persistedOperationsFile, schema)
    : undefined;
  if (persistedDocuments) {
    logger.info(
      { count: persistedDocuments.documents.length },
      `persisted documents: ${persistedDocuments.documents.length} loaded; only these run`,
    );
  }
  const dispatcher = createUpstreamPool({
    foremanUrl,
    caFile: config.foremanCaFile,
    connectTimeoutMs: config.foremanConnectTimeoutMs,
    connections: config.limits.upstreamConnections,
  });
  const slots = config.limits.upstreamConnections;
  const scheduler = new UpstreamScheduler({
    slots,
    backgroundSlots: Math.max(1, Math.round(slots / 16)),
    onQueued: (waitMs) => metrics.upstreamQueueWait.observe(waitMs / 1000),
    onShed: () => metrics.upstreamShed.inc(),
  });
  const { logins } = config;
  const loginGuard = new LoginGuard({
    refusedCredentialTtlMs: logins.refusedCredentialTtlMs,
    clientFailureLimit: logins.clientFailureLimit,
    foremanFailureBudget: logins.foremanFailureBudget,
    windowMs: logins.windowMs,
    idleProbeMs: logins.credentialIdleMs,
    ...(replicas ? { ledger: replicas.ledger } : {}),
  });
  const callers = new Callers({
    identityKey: await loginGuard.hashKey(),
    serviceAccount: config.serviceAccount,
    fallbackAccount: config.fallbackAccount,
    trustedProxies: logins.trustedProxies,
    forwardClientAddress: logins.forwardClientAddress,
  });
  const changeBus = replicas?.changeBus ?? new MemoryChangeBus();
  // With a service account everyone's entries are that account's: a tail of the audit log runs
  // while the cache holds any, so that changes made in Foreman evict them.
  let releaseTail: (() => void) | undefined;
  const cache =
    config.cache.ttlMs > 0
      ? new UpstreamCache({
          ttlMs: config.cache.ttlMs,
          maxBytes: config.cache.maxBytes,
          generations: replicas
            ? new RedisGenerations(replicas.redis, (error) =>
                logger.warn(
                  { error: String(error) },
                  'Redis: the cache is not used until its generations can be read again',
                ),
              )
            : new LocalGenerations(),
          onLookup: (outcome) => metrics.cacheLookups.inc({ outcome }),
          onOccupied: (occupied) => {
            if (!callers.serviceAccount) return;
            if (occupied) releaseTail ??= live?.hold(serviceAccountCaller(callers));
            else {
              releaseTail?.();
              releaseTail = undefined;
            }
          },
        })
      : undefined;
  if (cache) metrics.watchCache(cache);
  const batchSize = labelled(metrics.batchSize);
  // Live changes listen to the APIs' write events, and read through the access in turn.
  let live: LiveChanges | undefined;
  const access = new ForemanAccess({
    config,
    foremanUrl,
    dispatcher,
    scheduler,
    flights: new Flights(),
    cache,
    loginGuard,
    callers,
    imageLocations: new ImageLocations(),
    reportCalls: upstreamCallReporter(logger, metrics),
    onBatch: (loader, size) => batchSize(loader).observe(size),
    onWrite: (write) => live?.announce(write),
  });
  live = new LiveChanges({
    api: (caller, signal, work) =>
      access.forCaller(caller, {
        requestId: `live-${randomUUID()}`,
        signal,
        maxRequests: LIVE_READS_CAP,
        // Polls have the small background share; reads for an event are the subscribers' own.
        background: work === 'poll',
        fresh: true,
      }),
    bus: changeBus,
    ...config.live,
    logger,
    metrics: liveMetrics(metrics),
    // Changes read from the audit log evict what they touch from the cache.
    catalog: cache !== undefined,
    onAuditRows: cache
      ? (rows) => {
          const images = rows.some((row) => row.auditable_type === 'Image');
          const catalog = rows.some((row) => row.auditable_type !== 'Image');
          if (images) void cache.bump('images');
          if (catalog) void cache.bump('catalog');
        }
      : undefined,
  });
  const tracing = await startTracing({ config, foremanUrl, logger });
  const deps: GatewayDependencies = {
    config,
    logger,
    metrics,
    foremanUrl,
    dispatcher,
    scheduler,
    loginGuard,
    access,
    live,
    activeRequests: new ActiveRequests(),
    persistedDocuments,
    lifecycle: { draining: false },
    tracing,
    foremanPing: new ForemanPing({
      foremanUrl,
      dispatcher,
      scheduler,
      timeoutMs: Math.min(config.foremanTimeoutMs, 5_000),
      logger,
    }),
    observability: createObservability(
      logger,
      metrics,
      tracing && ((request) => tracing.sampledTraceId(request)),
    ),
  };
  const { http, limits } = config;
  server.serve(createApp(deps), {
    graphiql: graphiqlPageFor(config, persistedDocuments),
    webSockets: {
      logger,
      maxPayloadBytes: limits.maxBodyBytes,
      connectionInitTimeoutMs: http.webSocketInitTimeoutMs,
      maxOperationsPerConnection: http.webSocketMaxOperations,
      corsOrigins: http.corsOrigins,
      introspection: http.introspection,
      onRefused: deps.observability.refusedOverWebSocket,
    },
    onAnswered: deps.observability.answered,
  });
  const checked = checkForeman(deps);
  return {
    url: server.url,
    server: server.server,
    checked,
    drain: () => {
      deps.lifecycle.draining = true;
    },
    async stop(graceMs) {
      // Subscribers are told to reconnect (elsewhere), not that their subscription is over:
      // SSE streams are cut off, WebSocket clients get 1001 once their queries and mutations
      // are answered.
      server.endStreams();
      const webSocketsClosed = server.webSockets?.close(graceMs);
      await live.close();
      await server.close(graceMs, () =>
        deps.activeRequests.abortAll('the gateway is shutting down'),
      );
      await webSocketsClosed;
      // Only now: requests finishing in the grace period still share the failed-login ledger
      // and announce their writes to the other replicas.
      await changeBus.close();
      cache?.close();
      replicas?.redis.disconnect();
      // Anything still open towards Foreman belongs to requests that are gone.
      await dispatcher.destroy();
      // Last: the spans of the requests that finished above are exported before the exit.
      await tracing?.shutdown();
    },
  };
}

/** graphql-yoga with its plugins, over one gateway's dependencies (no I/O of its own). */
export function createApp(deps: GatewayDependencies): GatewayApp {
  const { config, logger, metrics, loginGuard, access, tracing } = deps;
  const { http, limits } = config;
  const documentCache = documentCacheFor();
  const serviceAccount = access.callers.serviceAccountIdentity;
  const requestFacts = (
    request: Request,
    req: IncomingMessage | undefined,
    res: ServerResponse | undefined,
  ): RequestFacts => ({
    authorization: request.headers.get('authorization') ?? undefined,
    peer: req?.socket.remoteAddress,
    forwardedFor: req?.headers['x-forwarded-for'] as string | undefined,
    requestId: requestIdOf(request),
    signal: deps.activeRequests.begin(res, request.signal),
    trace: tracing?.callsOf(request),
  });
  const plugins: Plugin[] = [
    // First: every request gets its span before any other plugin may answer it.
    ...(tracing ? [tracing.plugin] : []),
    useForemanReadiness({
      ping: deps.foremanPing,
      draining: () => deps.lifecycle.draining,
      ...(serviceAccount ? { serviceAccount: () => loginGuard.status(serviceAccount) } : {}),
    }),
    useMetricsEndpoint(metrics),
    // Browsers send "simple" cross-site requests without a preflight; demand a header they cannot.
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
    useDocumentLimits(limits, (query) => documentCache.has(query)),
    deps.observability.plugin,
    useQueryLimits({ ...limits }),
    useSubscriptionEvents(),
    useRetryAfter(),
    useErrorCodes({ hideSuggestions: !http.introspection }),
    ...(http.introspection ? [] : [useDisableIntrospection() as Plugin]),
    ...(http.subgraphSdl ? [] : [useHiddenSubgraphSdl()]),
    usePersistedDocuments(deps.persistedDocuments),
    useSignIn({
      mode: credentialMode(config),
      signIn: (request, { req, res }) =>
        access.forRequest(requestFacts(request, req, res)).checkCredentials(),
    }),
  ];
  return createYoga<NodeServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // Persisted documents' ids in the forms Relay and the GraphQL-over-HTTP spec send them.
    extraParamNames: ['documentId', 'doc_id'],
    // Yoga's own liveness answer, at the path orchestrators expect.
    healthCheckEndpoint: '/healthz',
    // Bodies are read and bounded by the HTTP server before yoga sees them (no second limit).
    maxRequestBodySize: false,
    // Parsed documents are kept only while small, within a heap budget (not 1024 of any size).
    parserAndValidationCache: {
      documentCache,
      errorCache: errorCacheFor(),
      validationCache: true,
    },
    landingPage: false,
    logging: yogaLogger(logger.child({ component: 'yoga' })),
    cors: corsOptions(http.corsOrigins),
    // GraphiQL is served (offline, compressed, cacheable) by the HTTP server.
    graphiql: false,
    plugins,
    context: ({ request, req, res }) => createContext(deps, requestFacts(request, req, res)),
    maskedErrors: { maskError: maskGatewayError },
  });
}

/**
 * At start, Foreman is asked its public `GET /api/ping` (no credentials): what is wrong with
 * FOREMAN_URL (an untrusted certificate, a refused port, DNS, no answer, not Foreman) is logged
 * at warn at once, not found out by the first caller. A healthy Foreman adds nothing to the log.
 */
async function checkForeman(deps: GatewayDependencies): Promise<void> {
  const foreman = await deps.foremanPing.checkNow();
  // Behind an unusable FOREMAN_URL the account cannot be checked either: the ping said why.
  if (foreman.ready && deps.access.callers.serviceAccount) await checkServiceAccount(deps);
}

/**
 * A service account is checked once at start, through the login guard like every call (a refused
 * one is remembered, in Redis too, so a gateway that restarts over and over does not spend a
 * failed login each time): it is then known to work before the first caller comes, or the
 * operator reads why not.
 */
function checkServiceAccount(deps: GatewayDependencies): Promise<void> {
  const { access, logger } = deps;
  const caller = access.callers.of({
    authorization: undefined,
    peer: undefined,
    forwardedFor: undefined,
  });
  const check = access.forCaller(caller, {
    requestId: `startup-${randomUUID()}`,
    signal: AbortSignal.timeout(deps.config.foremanTimeoutMs),
    background: true,
  });
  const account = `the service account "${caller.login}" (FOREMAN_USERNAME)`;
  return check.checkCredentials().then(
    () => logger.info(`Foreman accepts ${account}`),
    (error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      const upstream = error instanceof UpstreamError ? error : undefined;
      if (upstream?.upstreamCause === 'service_account_refused') {
        const foremanSaid = upstream.cause instanceof Error ? upstream.cause.message : detail;
        logger.warn(
          { cause: 'service_account_refused', detail: foremanSaid },
          `Foreman refuses ${account}: check FOREMAN_USERNAME and FOREMAN_PASSWORD. Until it is accepted every caller is answered UPSTREAM_ERROR (upstreamCause "service_account_refused") and /readyz answers 503`,
        );
        return;
      }
      logger.warn(
        { ...(upstream ? { cause: upstreamCauseOf(upstream) } : {}), detail },
        `${account} could not be checked with Foreman; it is tried again with the first caller (see /readyz)`,
      );
    },
  );
}

/** The service account as the gateway's own work uses it (no caller's address). */
function serviceAccountCaller(callers: Callers) {
  return callers.of({ authorization: undefined, peer: undefined, forwardedFor: undefined });
}

/**
 * Upstream requests one audit poll, or one change told to one group of subscribers, may make: a
 * poll reads a page or a few; telling a change reads the image (where it is, else under each
 * architecture) and the compute resources it is or was in. Bounds what one notice can cost.
 */
const LIVE_READS_CAP = 25;

/**
 * A list of origins may send credentials; "any origin" may not (a page anywhere could otherwise
 * act with a user's cookies or Basic credentials).
 */
function corsOptions(origins: string[]) {
  if (origins.length === 0) return false as const;
  // Clients read these across origins: the id to quote in a report, and how long to wait.
  const exposedHeaders = ['x-request-id', 'retry-after'];
  return origins.includes('*')
    ? { origin: '*', credentials: false, exposedHeaders }
    : { origin: origins, credentials: true, exposedHeaders };
}
