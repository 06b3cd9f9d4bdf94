import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Tracer } from '@opentelemetry/api';
import { type ExecutionResult, type GraphQLError, getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { ClientAddresses } from '../client-address.js';
import { requestIdOf } from '../request-id.js';
import { errorCodeOf } from '../schema/errors.js';
import { callerContext } from './propagation.js';
import { type ForemanPeer, RequestTrace } from './request-trace.js';

interface NodeServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

/** Each request's trace, from its first hook to the end of its response. */
export class RequestTraces {
  readonly #traces = new WeakMap<Request, RequestTrace>();
  readonly #tracer: Tracer;
  readonly #proxies: ClientAddresses;
  readonly #foreman: ForemanPeer;

  constructor(
    tracer: Tracer,
    options: { trustedProxies: readonly string[]; foreman: ForemanPeer },
  ) {
    this.#tracer = tracer;
    this.#proxies = new ClientAddresses(options.trustedProxies);
    this.#foreman = options.foreman;
  }

  of(request: Request): RequestTrace | undefined {
    return this.#traces.get(request);
  }

  /** `peer`: the socket's address; only a trusted proxy's sampled flag is taken. */
  begin(request: Request, peer: string | undefined): RequestTrace {
    const parent: Context = callerContext(request.headers, () => this.#proxies.trusts(peer));
    const requestTrace = new RequestTrace(this.#tracer, request, {
      parent,
      requestId: requestIdOf(request),
      foreman: this.#foreman,
    });
    this.#traces.set(request, requestTrace);
    return requestTrace;
  }
}

/**
 * The server span of every request yoga sees, and the span of the GraphQL operation it runs.
 * List it first: a plugin before it that answers a request (metrics, readiness) would leave that
 * request without its span until the response. The server span ends when the response is done
 * (its body sent: a subscription's stream included), with the status that was sent.
 */
export function useTracing(traces: RequestTraces): Plugin {
  return {
    onRequest({ request, serverContext }) {
      const { req, res } = serverContext as NodeServerContext;
      const requestTrace = traces.begin(request, req?.socket.remoteAddress);
      res?.once('close', () => requestTrace.end(res.statusCode));
    },
    onResponse({ request, response, serverContext }) {
      const { req, res } = serverContext as NodeServerContext;
      const requestTrace = traces.of(request);
      if (requestTrace === undefined) {
        // Answered by yoga itself before any plugin ran (its health check, a CORS preflight).
        traces.begin(request, req?.socket.remoteAddress).end(response.status);
      } else if (!res) requestTrace.end(response.status);
    },
    onExecute({ args }) {
      const requestTrace = traceOf(traces, args.contextValue);
      if (!requestTrace) return;
      startOperation(requestTrace, args);
      return {
        onExecuteDone({ result }) {
          requestTrace.endOperation(isAsyncIterable(result) ? [] : errorCodesOf(result));
        },
      };
    },
    onSubscribe({ args }) {
      const requestTrace = traceOf(traces, args.contextValue);
      if (!requestTrace) return;
      startOperation(requestTrace, args);
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            requestTrace.endOperation(errorCodesOf(result));
            return;
          }
          return { onEnd: () => requestTrace.endOperation([]) };
        },
        onSubscribeError({ error }) {
          requestTrace.endOperation([errorCodeOf(error as GraphQLError)]);
        },
      };
    },
  };
}

function traceOf(traces: RequestTraces, context: unknown): RequestTrace | undefined {
  const request = (context as { request?: Request }).request;
  return request ? traces.of(request) : undefined;
}

function startOperation(
  requestTrace: RequestTrace,
  args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null },
): void {
  const operation = getOperationAST(args.document, args.operationName);
  requestTrace.startOperation(operation?.operation ?? 'unknown', operation?.name?.value);
}

function errorCodesOf(result: ExecutionResult): string[] {
  return (result.errors ?? []).map((error) => errorCodeOf(error));
}
