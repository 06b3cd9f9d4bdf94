import { type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { UpstreamCallEvent } from '../foreman/http/client.js';
import { type Logger, plainChild } from '../logger.js';
import { labelled, type Metrics } from '../metrics.js';
import { requestIdOf } from '../request-id.js';
import { errorCodeOf } from '../schema/errors.js';

/**
 * One structured log line per operation (request id, operation, duration, error codes), the
 * operation metrics, and the request id echoed to the caller. Variables are never logged: they
 * may hold passwords.
 *
 * Results are seen before masking, so codes are the ones the client receives, worked out from
 * the cause. An operation whose client went away before it finished is logged as cancelled, and
 * its errors (the cancelled upstream calls) are not counted: nobody received them. With tracing
 * on, the line carries the trace id of a request whose spans are exported.
 */
export function useObservability(
  logger: Logger,
  metrics: Metrics,
  traceIdOf?: ((request: Request) => string | undefined) | undefined,
): Plugin {
  const operationDuration = labelled(metrics.operationDuration);
  const operations = plainChild(logger);
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
    onExecute({ args }) {
      const started = performance.now();
      // The operation that runs: with several in a document, the one `operationName` chose.
      const operation = getOperationAST(args.document, args.operationName);
      const operationType = operation?.operation ?? 'unknown';
      const context = args.contextValue as { request?: Request; signal?: AbortSignal };
      const request = context.request;
      return {
        onExecuteDone({ result }) {
          const errors = ('errors' in result ? result.errors : undefined) ?? [];
          const cancelled = context.signal?.aborted === true;
          const codes = cancelled ? [] : errors.map((e: GraphQLError) => errorCodeOf(e));
          const seconds = (performance.now() - started) / 1000;
          const outcome = cancelled ? 'cancelled' : codes.length > 0 ? 'error' : 'ok';
          operationDuration(operationType, outcome).observe(seconds);
          for (const code of codes) metrics.operationErrors.inc({ code });
          const traceId = request && traceIdOf?.(request);
          operations.info(
            {
              requestId: request ? requestIdOf(request) : undefined,
              ...(traceId ? { traceId } : {}),
              operation: args.operationName ?? operation?.name?.value,
              operationType,
              ms: Math.round(seconds * 1000),
              ...(cancelled ? { cancelled: true } : {}),
              ...(codes.length > 0 ? { errorCodes: codes } : {}),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}

/**
 * Logs and metrics of each upstream call, by the request id it was made for: a duration per route
 * template and status, retries, Foreman's faults at warn (what Foreman said goes to the log, under
 * the request id, never to the client), and with LOG_LEVEL=debug every call. Never credentials.
 */
export function upstreamCallReporter(logger: Logger, metrics: Metrics) {
  const upstreamDuration = labelled(metrics.upstreamDuration);
  return (requestId: string) =>
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
        logger.warn({ requestId, upstream, detail: event.error?.message }, 'Foreman failed');
      } else logger.debug({ requestId, upstream }, 'upstream call');
    };
}
