import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { createContext, type GatewayContext } from './context.js';
import { GRAPHIQL_EXAMPLES } from './graphiql-examples.js';
import type { Logger } from './logger.js';
import { fromUpstreamError } from './schema/errors.js';
import { schema } from './schema/index.js';

export interface GatewayDependencies {
  config: Config;
  /** Foreman's base URL: the configured one, or the demo upstream's. */
  foremanUrl: string;
  /** The shared keep-alive pool towards Foreman. */
  dispatcher: Dispatcher;
  logger: Logger;
}

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/** The GraphQL gateway as a fetch-style handler (no I/O of its own; see server.ts to listen). */
export function createGateway(deps: GatewayDependencies): Gateway {
  const { logger } = deps;
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: logger.child({ component: 'yoga' }),
    // The offline GraphiQL: every asset is inlined, nothing is fetched from a CDN.
    renderGraphiQL,
    graphiql: { title: 'Foreman images GraphQL', defaultQuery: GRAPHIQL_EXAMPLES },
    context: ({ request }) =>
      createContext(
        {
          config: deps.config,
          foremanUrl: deps.foremanUrl,
          dispatcher: deps.dispatcher,
          onUpstreamCall: (event) =>
            logger.debug(
              {
                upstream: {
                  method: event.method,
                  path: event.path,
                  status: event.status,
                  ms: Math.round(event.durationMs),
                },
              },
              'upstream call',
            ),
        },
        {
          authorization: request.headers.get('authorization') ?? undefined,
          requestId: request.headers.get('x-request-id') ?? undefined,
        },
      ),
    maskedErrors: {
      maskError: (error, message, isDev) => {
        if (error instanceof GraphQLError) {
          const upstream = fromUpstreamError(error);
          if (upstream) return upstream;
        }
        return maskError(error, message, isDev);
      },
    },
  });
}
