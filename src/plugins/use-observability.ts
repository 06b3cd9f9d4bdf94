import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  getOperationAST,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { NodeServerContext } from '../context.js';
import { upstreamCauseOf } from '../foreman/errors.js';
import type { UpstreamCallEvent } from '../foreman/http/client.js';
import type { Answered } from '../http-server.js';
import { type Logger, plainChild } from '../logger.js';
import { labelled, type Metrics } from '../metrics.js';
import { requestIdOf } from '../request-id.js';
import type { WebSocketRefusal } from '../websockets/graphql-ws.js';
import { clientCodeOf } from './use-error-codes.js';

/** What one GraphQL request over HTTP was, learnt while yoga handled it. */
interface GraphQLRequestFacts {
  requestId: string;
  /** Its trace id, when tracing is on and its spans are exported. */
  traceId: string | undefined;
  /** The name asked for, then the name of the operation executed. */
  operation: string | undefined;
  /** The executed operation's type; `unknown` while no document was read. */
  operationType: string;
  /** What yoga answered: a result (its errors as sent), a list of them, or a stream. */
  result: unknown;
}

export interface Observability {
  /** The yoga plugin: the request id echoed to the caller, and what each request was. */
  plugin: Plugin;
  /** The HTTP server's report of each request, once its response is over: its log line and metrics. */
  answered(request: IncomingMessage, response: ServerResponse, how: Answered): void;
  /** An operation over WebSocket refused before it ran (parse, validation, limits). */
  refusedOverWebSocket(refusal: WebSocketRefusal): void;
}

/** Routes that orchestrators and scrapers call every few seconds: logged at debug only. */
const PROBES = new Set<Answered['route']>(['/healthz', '/readyz', '/metrics']);

/**
 * One structured log line per request, made when its response is over, so that it says what the
 * client received: for GraphQL requests (`graphql operation`, at info) the request id, the
 * operation executed and its type, the HTTP status, the duration and the error codes, refusals
 * before execution included (a parse error, a missing CSRF header, a body over the limit); for
 * the other routes (`http request`) the route and status, at debug for probes. Every request is
 * counted on the same facts: `http_requests_total` and `http_request_duration_seconds` by route
 * and status, and for GraphQL `graphql_operation_duration_seconds` and `graphql_errors_total`.
 * Variables are never logged: they may hold passwords.
 *
 * `cancelled` means the client went away before it was answered: its errors (the upstream calls
 * that were cancelled with it) are nobody's and are not counted. A request the gateway cut off
 * at its shutdown deadline is `cutOff` instead; one it answered, even with the errors of work
 * cancelled at that deadline, is logged with those errors.
 *
 * Operations over WebSocket have no HTTP response: they are logged when they are executed, or
 * when they are refused before that.
 */
export function createObservability(
  logger: Logger,
  metrics: Metrics,
  traceIdOf?: ((request: Request) => string | undefined) | undefined,
): Observability {
  const operationDuration = labelled(metrics.operationDuration);
  const httpRequests = labelled(metrics.httpRequests);
  const httpDuration = labelled(metrics.httpDuration);
  const lines = plainChild(logger);
  const byRequest = new WeakMap<Request, GraphQLRequestFacts>();
  const byResponse = new WeakMap<ServerResponse, GraphQLRequestFacts>();
  const factsOf = (context: unknown) => {
    const request = (context as { request?: Request } | undefined)?.request;
    return request ? byRequest.get(request) : undefined;
  };
  /** The executed operation, from the document and the name asked for. */
  const learnOperation = (
    facts: GraphQLRequestFacts,
    document: DocumentNode,
    name: string | null | undefined,
  ) => {
    const operation = getOperationAST(document, name);
    if (!operation) return;
    facts.operationType = operation.operation;
    facts.operation = operation.name?.value ?? name ?? undefined;
  };

  const plugin: Plugin = {
    onRequest({ request, serverContext }) {
      const response = (serverContext as NodeServerContext | undefined)?.res;
      if (!response) return;
      const facts: GraphQLRequestFacts = {
        requestId: requestIdOf(request),
        traceId: traceIdOf?.(request),
        operation: undefined,
        operationType: 'unknown',
        result: undefined,
      };
      byRequest.set(request, facts);
      byResponse.set(response, facts);
    },
    onParams({ params, request }) {
      const facts = byRequest.get(request);
      if (facts) facts.operation = params.operationName ?? undefined;
    },
    onParse({ context }) {
      const facts = factsOf(context);
      if (!facts) return;
      // A document that parses but does not validate still says which operation was asked for.
      return ({ result }) => {
        if (
          result &&
          typeof result === 'object' &&
          'kind' in result &&
          result.kind === 'Document'
        ) {
          learnOperation(facts, result as DocumentNode, facts.operation);
        }
      };
    },
    onSubscribe({ args }) {
      const facts = factsOf(args.contextValue);
      if (facts) learnOperation(facts, args.document, args.operationName);
    },
    onExecute({ args }) {
      const facts = factsOf(args.contextValue);
      if (facts) {
        learnOperation(facts, args.document, args.operationName);
        return;
      }
      return executedOverWebSocket(args);
    },
    onResultProcess({ request, result }) {
      const facts = byRequest.get(request);
      if (facts) facts.result = result;
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };

  /** An operation over WebSocket: logged and counted when its execution is done. */
  const executedOverWebSocket = (args: {
    document: DocumentNode;
    operationName?: string | null | undefined;
    contextValue: unknown;
  }) => {
    const started = performance.now();
    const operation = getOperationAST(args.document, args.operationName);
    const context = args.contextValue as { requestId?: string; signal?: AbortSignal };
    return {
      onExecuteDone({ result }: { result: unknown }) {
        const cancelled = context.signal?.aborted === true;
        const errors = cancelled ? [] : errorsOf(result);
        operationDone({
          requestId: context.requestId,
          operation: operation?.name?.value ?? args.operationName ?? undefined,
          operationType: operation?.operation ?? 'unknown',
          transport: 'websocket',
          seconds: (performance.now() - started) / 1000,
          errors,
          outcome: cancelled ? 'cancelled' : errors.length > 0 ? 'error' : 'ok',
        });
      },
    };
  };

  const operationDone = (done: {
    requestId: string | undefined;
    traceId?: string | undefined;
    operation: string | undefined;
    operationType: string;
    transport?: 'websocket';
    status?: number;
    seconds: number;
    errors: readonly GraphQLError[];
    refusedWith?: readonly string[] | undefined;
    outcome: 'ok' | 'error' | 'cancelled' | 'cut_off';
  }) => {
    const codes = [...done.errors.map(clientCodeOf), ...(done.refusedWith ?? [])];
    const causes = new Set<string>();
    for (const error of done.errors) {
      const cause = error.extensions?.upstreamCause;
      if (typeof cause === 'string') causes.add(cause);
    }
    const outcome = done.outcome === 'ok' && codes.length > 0 ? 'error' : done.outcome;
    operationDuration(done.operationType, outcome).observe(done.seconds);
    for (const code of codes) metrics.operationErrors.inc({ code });
    lines.info(
      {
        requestId: done.requestId,
        ...(done.traceId ? { traceId: done.traceId } : {}),
        operation: done.operation,
        operationType: done.operationType,
        ...(done.transport ? { transport: done.transport } : {}),
        ...(done.status !== undefined ? { status: done.status } : {}),
        ms: Math.round(done.seconds * 1000),
        ...(outcome === 'cancelled' ? { cancelled: true } : {}),
        ...(outcome === 'cut_off' ? { cutOff: true } : {}),
        ...(codes.length > 0 ? { errorCodes: codes } : {}),
        ...(causes.size > 0 ? { upstreamCauses: [...causes] } : {}),
      },
      'graphql operation',
    );
  };

  const answered = (request: IncomingMessage, response: ServerResponse, how: Answered) => {
    const status = String(how.status);
    httpRequests(how.route, status).inc();
    httpDuration(how.route, status).observe(how.seconds);
    if (how.route === '/graphql' && request.method !== 'OPTIONS') {
      const facts = byResponse.get(response);
      // Never answered: the client left, or the gateway cut it off (a stream already under way
      // was answered, and ends as streams do).
      const unanswered = how.status === 0 && how.ending !== 'answered';
      const outcome = unanswered
        ? how.ending === 'cut-off'
          ? 'cut_off'
          : 'cancelled'
        : how.status >= 400
          ? 'error'
          : 'ok';
      operationDone({
        requestId: facts?.requestId,
        traceId: facts?.traceId,
        operation: facts?.operation,
        operationType: facts?.operationType ?? 'unknown',
        status: how.status,
        seconds: how.seconds,
        errors: unanswered ? [] : errorsOf(facts?.result),
        refusedWith: unanswered ? undefined : how.codes,
        outcome,
      });
      return;
    }
    const level = PROBES.has(how.route) ? 'debug' : 'info';
    if (!lines.isLevelEnabled(level)) return;
    lines[level](
      {
        method: request.method,
        route: how.route,
        ...(how.route === 'other' ? { path: pathOf(request) } : {}),
        status: how.status,
        ms: Math.round(how.seconds * 1000),
      },
      'http request',
    );
  };

  const refusedOverWebSocket = (refusal: WebSocketRefusal) =>
    operationDone({
      requestId: undefined,
      operation: refusal.operationName,
      operationType: refusal.operationType,
      transport: 'websocket',
      seconds: refusal.seconds,
      errors: refusal.errors,
      outcome: 'error',
    });

  return { plugin, answered, refusedOverWebSocket };
}

/** A result's errors as sent; none for a stream (its events carry their own). */
function errorsOf(result: unknown): readonly GraphQLError[] {
  if (typeof result !== 'object' || result === null) return [];
  if (Array.isArray(result)) return result.flatMap(errorsOf);
  if (Symbol.asyncIterator in result) return [];
  return ((result as ExecutionResult).errors ?? []) as readonly GraphQLError[];
}

/** The path of a request to no known route, for the log: without its query, and short. */
function pathOf(request: IncomingMessage): string {
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}

/**
 * Logs and metrics of each upstream call, by the request id it was made for: a duration per route
 * template and status, retries, and at warn each call that failed on Foreman's side or never got
 * Foreman's answer (a 5xx, no connection, a certificate, something that is not Foreman, the
 * service account refused), with its cause and what was said: that goes to the log, under the
 * request id, never to the client. With LOG_LEVEL=debug every call. Never credentials.
 */
export function upstreamCallReporter(logger: Logger, metrics: Metrics) {
  const upstreamDuration = labelled(metrics.upstreamDuration);
  return (requestId: string) =>
    (event: UpstreamCallEvent): void => {
      const status = String(event.status);
      upstreamDuration(event.method, event.route, status).observe(event.durationMs / 1000);
      if (event.attempt > 1) metrics.upstreamRetries.inc({ route: event.route });
      const failed = event.error !== undefined && isForemanSideFailure(event);
      if (!failed && !logger.isLevelEnabled('debug')) return;
      const upstream = {
        method: event.method,
        route: event.route,
        status,
        attempt: event.attempt,
        ms: Math.round(event.durationMs),
      };
      if (failed && event.error) {
        const error = event.error;
        const underlying = error.cause instanceof Error ? error.cause.message : undefined;
        logger.warn(
          {
            requestId,
            upstream,
            cause: upstreamCauseOf(error),
            detail: underlying ? `${error.message}: ${underlying}` : error.message,
          },
          'Foreman failed',
        );
      } else logger.debug({ requestId, upstream }, 'upstream call');
    };
}

/** Failures an operator has to look at, as opposed to a caller's own (a 404, a bad search). */
function isForemanSideFailure(event: UpstreamCallEvent): boolean {
  const error = event.error;
  if (!error) return false;
  if (error.upstreamCause === 'service_account_refused') return true;
  switch (error.kind) {
    case 'network':
    case 'timeout':
    case 'invalid_response':
      return true;
    case 'http':
      return error.status >= 500;
    default:
      return false;
  }
}
