import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { type DocumentNode, GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import type { ActiveRequests } from './active-requests.js';
import type { Config } from './config.js';
import { createContext, ForemanAccess, type GatewayContext, type RequestFacts } from './context.js';
import { CodedError } from './error-codes.js';
import type { Callers } from './foreman/caller.js';
import { UpstreamError } from './foreman/errors.js';
import type { UpstreamCallEvent } from './foreman/http/client.js';
import type { LoginGuard } from './foreman/http/login-guard.js';
import { ImageLocations } from './foreman/image-locations.js';
import type { ChangeBus } from './live/bus.js';
import { LiveChanges } from './live/live-changes.js';
import type { Logger } from './logger.js';
import { labelled, liveMetrics, type Metrics } from './metrics.js';
import { ByteBoundedCache } from './plugins/document-cache.js';
import { useDocumentLimits } from './plugins/use-document-limits.js';
import { useErrorCodes } from './plugins/use-error-codes.js';
import { useHiddenSubgraphSdl } from './plugins/use-hidden-subgraph-sdl.js';
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.js';
import { useObservability } from './plugins/use-observability.js';
import {
  type PersistedManifest,
  usePersistedDocuments,
} from './plugins/use-persisted-documents.js';
import { useQueryLimits } from './plugins/use-query-limits.js';
import { useForemanReadiness } from './plugins/use-readiness.js';
import { useRetryAfter } from './plugins/use-retry-after.js';
import { useSignIn } from './plugins/use-sign-in.js';
import { useSubscriptionEvents } from './plugins/use-subscription-events.js';
import { requestIdOf } from './request-id.js';
import { fromCodedError, fromUpstreamError } from './schema/errors.js';
import { schema } from './schema/index.js';
import { credentialMode } from './sign-in-status.js';
import type { Tracing } from './tracing/tracing.js';

export interface GatewayDependencies {
  config: Config;
  /** Foreman's base URL: the configured one, or the demo upstream's. */
  foremanUrl: string;
  /** The shared keep-alive pool towards Foreman. */
  dispatcher: Dispatcher;
  logger: Logger;
  metrics: Metrics;
  /** Shared by all requests: keeps bad credentials from locking everyone out of Foreman. */
  loginGuard: LoginGuard;
  /** Works out who calls, from each request. */
  callers: Callers;
  /** Every request's abort signal, for cancelling upstream work (and all of it at shutdown). */
  activeRequests: ActiveRequests;
  /** When set, only these documents run. */
  persistedDocuments?: PersistedManifest | undefined;
  /** Where own image writes are announced (in process, or Redis between replicas). */
  changeBus: ChangeBus;
  /** Traces of requests, operations and Foreman calls; unset when tracing is off. */
  tracing?: Tracing | undefined;
}

/** What node:http gives each request, as yoga's server context. */
export interface NodeServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

export type Gateway = YogaServerInstance<NodeServerContext, GatewayContext>;

/** The gateway, and the live changes it serves (which must be closed when it stops). */
export interface GatewayParts {
  gateway: Gateway;
  live: LiveChanges;
}

/** The GraphQL gateway as a fetch-style handler (no I/O of its own; see server.ts to listen). */
export function createGateway(deps: GatewayDependencies): GatewayParts {
  const { config, logger, metrics, loginGuard, callers } = deps;
  const { http, limits } = config;
  const documentCache = new ByteBoundedCache<DocumentNode>(DOCUMENT_CACHE);
  const serviceAccount = callers.serviceAccountIdentity;
  const { tracing } = deps;
  const plugins: Plugin[] = [
    // First: every request gets its span before any other plugin may answer it.
    ...(tracing ? [tracing.plugin] : []),
    useForemanReadiness({
      foremanUrl: deps.foremanUrl,
      dispatcher: deps.dispatcher,
      timeoutMs: Math.min(config.foremanTimeoutMs, 5_000),
      ...(serviceAccount ? { serviceAccount: () => loginGuard.status(serviceAccount) } : {}),
    }),
    useMetricsEndpoint(metrics),
    // Browsers send "simple" cross-site requests without a preflight; demand a header they cannot.
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
    useDocumentLimits(limits, (query) => documentCache.has(query)),
    useObservability(logger, metrics, tracing && ((request) => tracing.sampledTraceId(request))),
    useQueryLimits({ ...limits }),
    useSubscriptionEvents(),
    useRetryAfter(),
    useErrorCodes({ hideSuggestions: !http.introspection }),
  ];
  if (!http.introspection) plugins.push(useDisableIntrospection());
  if (!http.subgraphSdl) plugins.push(useHiddenSubgraphSdl());
  plugins.push(usePersistedDocuments(deps.persistedDocuments));

  const upstreamDuration = labelled(metrics.upstreamDuration);
  const batchSize = labelled(metrics.batchSize);
  /** Logs and metrics of one request's upstream calls; never credentials. */
  const reportCalls =
    (requestId: string) =>
    (event: UpstreamCallEvent): void => {
      const status = String(event.status);
      upstreamDuration(event.method, event.route, status).observe(event.durationMs / 1000);
      if (event.attempt > 1) metrics.upstreamRetries.inc({ route: event.route });
      const failed = event.error !== undefined && event.status >= 500;
      if (!failed && !logger.isLevelEnabled('debug')) return;
      const upstream = {
        method: event.method,
        route: event.route,
        status,
        attempt: event.attempt,
        ms: Math.round(event.durationMs),
      };
      if (failed) {
        // What Foreman said goes to the log, under the request id, never to the client.
        logger.warn({ requestId, upstream, detail: event.error?.message }, 'Foreman failed');
      } else logger.debug({ requestId, upstream }, 'upstream call');
    };
  const { live: liveConfig } = config;
  // Live changes listen to the APIs' write events; the access reads for them in turn.
  let live: LiveChanges | undefined;
  const access = new ForemanAccess({
    config,
    foremanUrl: deps.foremanUrl,
    dispatcher: deps.dispatcher,
    loginGuard,
    callers,
    imageLocations: new ImageLocations(),
    reportCalls,
    onBatch: (loader, size) => batchSize(loader).observe(size),
    onWrite: (write) => live?.announce(write),
  });
  live = new LiveChanges({
    api: (caller, signal) =>
      access.forCaller(caller, {
        requestId: `live-${randomUUID()}`,
        signal,
        maxRequests: LIVE_READS_CAP,
      }),
    bus: deps.changeBus,
    pollIntervalMs: liveConfig.pollIntervalMs,
    graceMs: liveConfig.graceMs,
    maxSubscriptions: liveConfig.maxSubscriptions,
    maxSubscriptionsPerCaller: liveConfig.maxSubscriptionsPerCaller,
    pollConcurrency: liveConfig.pollConcurrency,
    logger,
    metrics: liveMetrics(metrics),
  });
  const feed = live;
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
  plugins.push(
    useSignIn({
      mode: credentialMode(config),
      signIn: (request, { req, res }) =>
        access.forRequest(requestFacts(request, req, res)).checkCredentials(),
    }),
  );

  const gateway = createYoga<NodeServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // Persisted documents' ids in the forms Relay and the GraphQL-over-HTTP spec send them.
    extraParamNames: ['documentId', 'doc_id'],
    // Yoga's own liveness answer, at the path orchestrators expect.
    healthCheckEndpoint: '/healthz',
    // Bodies are read and bounded by server.ts before yoga sees them (no second, slower limit).
    maxRequestBodySize: false,
    // Parsed documents are kept only while small, within a byte budget (not 1024 of any size).
    parserAndValidationCache: {
      documentCache,
      errorCache: new ByteBoundedCache<Error>(DOCUMENT_CACHE),
      validationCache: true,
    },
    landingPage: false,
    logging: yogaLogger(logger.child({ component: 'yoga' })),
    cors: corsOptions(http.corsOrigins),
    // GraphiQL is served (offline, compressed, cacheable) by server.ts.
    graphiql: false,
    plugins,
    context: ({ request, req, res }) =>
      createContext(access, feed, config, requestFacts(request, req, res)),
    maskedErrors: {
      maskError: (error, message, isDev) => {
        if (error instanceof GraphQLError) {
          const known = fromUpstreamError(error) ?? fromCodedError(error);
          if (known) return known;
        }
        // Unexpected errors reach clients as "Unexpected error." with no stack or upstream body.
        return maskError(error, message, isDev);
      },
    },
  });
  return { gateway, live: feed };
}

/**
 * Upstream requests one audit poll, or one change told to one group of subscribers, may make: a
 * poll reads a page or a few; telling a change reads the image (where it is, else under each
 * architecture) and the compute resources it is or was in. Bounds what one notice can cost.
 */
const LIVE_READS_CAP = 25;

const DOCUMENT_CACHE = { maxEntryBytes: 16_384, maxTotalBytes: 2 * 1024 * 1024 };

/**
 * Yoga logs every error it rewrites at error level. Foreman's answers that a caller caused (no
 * credentials, no permission, a bad search, a cancelled call) are not the gateway's faults:
 * they go to debug, and Foreman's own faults are logged at warn where they happen.
 */
function yogaLogger(logger: Logger) {
  const expected = (value: unknown) => {
    const cause = value instanceof GraphQLError ? value.originalError : value;
    return cause instanceof UpstreamError || cause instanceof CodedError;
  };
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      typeof args[0] === 'string'
        ? logger[level](args.map(String).join(' '))
        : logger[level]({ err: args[0] }, args.slice(1).map(String).join(' ') || 'yoga');
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: (...args: unknown[]) => (args.every(expected) ? at('debug') : at('error'))(...args),
  };
}

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
