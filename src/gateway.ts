import { readFileSync } from 'node:fs';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import { type Config, ConfigError } from './config.js';
import { createContext, type GatewayContext, upstreamAuthorization } from './context.js';
import { GRAPHIQL_EXAMPLES } from './graphiql-examples.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { useGraphiQLPage } from './plugins/use-graphiql-page.js';
import { useMetricsEndpoint } from './plugins/use-metrics-endpoint.js';
import { useObservability } from './plugins/use-observability.js';
import { useQueryLimits } from './plugins/use-query-limits.js';
import { useForemanReadiness } from './plugins/use-readiness.js';
import { requestIdOf } from './request-id.js';
import { fromUpstreamError } from './schema/errors.js';
import { schema } from './schema/index.js';

export interface GatewayDependencies {
  config: Config;
  /** Foreman's base URL: the configured one, or the demo upstream's. */
  foremanUrl: string;
  /** The shared keep-alive pool towards Foreman. */
  dispatcher: Dispatcher;
  logger: Logger;
  metrics: Metrics;
}

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/** The GraphQL gateway as a fetch-style handler (no I/O of its own; see server.ts to listen). */
export function createGateway(deps: GatewayDependencies): Gateway {
  const { config, logger, metrics } = deps;
  const { http, limits } = config;
  const plugins: Plugin[] = [
    useForemanReadiness({
      foremanUrl: deps.foremanUrl,
      dispatcher: deps.dispatcher,
      serviceAuthorization: config.serviceAccount
        ? upstreamAuthorization(config, undefined)
        : undefined,
      timeoutMs: Math.min(config.foremanTimeoutMs, 5_000),
    }),
    useMetricsEndpoint(metrics),
    // Browsers send "simple" cross-site requests without a preflight; demand a header they cannot.
    useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
    useObservability(logger, metrics),
    useQueryLimits({ ...limits }),
  ];
  if (http.graphiql) {
    plugins.unshift(
      useGraphiQLPage('/graphql', {
        title: 'Foreman images GraphQL',
        defaultQuery: GRAPHIQL_EXAMPLES,
      }),
    );
  }
  if (!http.introspection) plugins.push(useDisableIntrospection());
  if (http.persistedOperationsFile) {
    plugins.push(persistedOperations(http.persistedOperationsFile));
  }

  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // Yoga's own liveness answer, at the path orchestrators expect.
    healthCheckEndpoint: '/healthz',
    // Bodies are read and bounded by server.ts before yoga sees them (no second, slower limit).
    maxRequestBodySize: false,
    landingPage: false,
    logging: logger.child({ component: 'yoga' }),
    cors: http.corsOrigins.length > 0 ? { origin: http.corsOrigins, credentials: true } : false,
    // GraphiQL is served (offline, compressed, cacheable) by useGraphiQLPage.
    graphiql: false,
    plugins,
    context: ({ request }) =>
      createContext(
        {
          config,
          foremanUrl: deps.foremanUrl,
          dispatcher: deps.dispatcher,
          onUpstreamCall: (event) => {
            const labels = {
              method: event.method,
              route: event.route,
              status: String(event.status),
            };
            metrics.upstreamDuration.observe(labels, event.durationMs / 1000);
            if (event.attempt > 1) metrics.upstreamRetries.inc({ route: event.route });
            logger.debug(
              {
                requestId: requestIdOf(request),
                upstream: { ...labels, attempt: event.attempt, ms: Math.round(event.durationMs) },
              },
              'upstream call',
            );
          },
          onBatch: (loader, size) => metrics.batchSize.observe({ loader }, size),
        },
        {
          authorization: request.headers.get('authorization') ?? undefined,
          requestId: requestIdOf(request),
        },
      ),
    maskedErrors: {
      maskError: (error, message, isDev) => {
        if (error instanceof GraphQLError) {
          const upstream = fromUpstreamError(error);
          if (upstream) return upstream;
        }
        // Unexpected errors reach clients as "Unexpected error." with no stack or upstream body.
        return maskError(error, message, isDev);
      },
    },
  });
}

/** Trusted documents: only the operations in the manifest (`{ "<id>": "<document>" }`) run. */
function persistedOperations(file: string): Plugin {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `PERSISTED_OPERATIONS_FILE is not valid JSON: ${(error as Error).message}`,
    );
  }
  const entries = typeof manifest === 'object' && manifest !== null ? Object.entries(manifest) : [];
  if (entries.length === 0 || entries.some(([, document]) => typeof document !== 'string')) {
    throw new ConfigError(
      'PERSISTED_OPERATIONS_FILE must hold a non-empty JSON object of operation id → GraphQL document',
    );
  }
  const documents = new Map(entries as Array<[string, string]>);
  return usePersistedOperations({
    getPersistedOperation: (id) => documents.get(id) ?? null,
    allowArbitraryOperations: false,
  });
}
