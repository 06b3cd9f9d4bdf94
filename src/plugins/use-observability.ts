import type { DefinitionNode, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type Logger, plainChild } from '../logger.js';
import { labelled, type Metrics } from '../metrics.js';
import { requestIdOf } from '../request-id.js';

/**
 * One structured log line per operation (request id, operation, duration, error codes), the
 * operation metrics, and the request id echoed to the caller. Variables are never logged: they
 * may hold passwords.
 */
export function useObservability(logger: Logger, metrics: Metrics): Plugin {
  const operationDuration = labelled(metrics.operationDuration);
  const operations = plainChild(logger);
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
    onExecute({ args }) {
      const started = performance.now();
      const operation = args.document.definitions.find(
        (d: DefinitionNode) => d.kind === 'OperationDefinition',
      );
      const operationType = operation && 'operation' in operation ? operation.operation : 'unknown';
      const request = (args.contextValue as { request?: Request }).request;
      return {
        onExecuteDone({ result }) {
          const errors = ('errors' in result ? result.errors : undefined) ?? [];
          const codes = errors.map((e: GraphQLError) =>
            String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
          );
          const seconds = (performance.now() - started) / 1000;
          operationDuration(operationType, codes.length > 0 ? 'error' : 'ok').observe(seconds);
          for (const code of codes) metrics.operationErrors.inc({ code });
          operations.info(
            {
              requestId: request ? requestIdOf(request) : undefined,
              operation: args.operationName ?? undefined,
              operationType,
              ms: Math.round(seconds * 1000),
              ...(codes.length > 0 ? { errorCodes: codes } : {}),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
