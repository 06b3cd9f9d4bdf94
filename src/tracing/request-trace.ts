import {
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { CallError, CallSpan, CallTracing } from './call-span.js';
import { methodLabel, routeLabel } from './http-labels.js';
import { propagationHeaders } from './propagation.js';

// Still "incubating" in the conventions package, whose authors advise copying such names.
const ATTR_URL_TEMPLATE = 'url.template';
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
/** Ours: the error codes the client received (`extensions.code`), as the log line has them. */
const ATTR_GRAPHQL_ERROR_CODES = 'graphql.error.codes';
/**
 * Ours: the request id (`x-request-id`, what Foreman records as `request_uuid`), on the server
 * span and on each Foreman call, so a log line, a Foreman log and a trace find each other.
 */
export const ATTR_REQUEST_ID = 'request.id';

/** Operation names come from the caller: long ones are cut, in the span's name and attribute. */
const MAX_OPERATION_NAME = 200;

/** Where Foreman's client spans say they went (`server.address`, `server.port`). */
export interface ForemanPeer {
  address: string;
  port: number;
}

/**
 * The spans of one HTTP request: the server span, the operation span while one runs, and a
 * client span for each Foreman call, each a child of the one before.
 */
export class RequestTrace implements CallTracing {
  readonly #tracer: Tracer;
  readonly #server: Span;
  readonly #context: Context;
  readonly #requestId: string;
  readonly #foreman: ForemanPeer;
  #operation: { span: Span; context: Context } | undefined;
  #ended = false;

  constructor(
    tracer: Tracer,
    request: Request,
    options: { parent: Context; requestId: string; foreman: ForemanPeer },
  ) {
    this.#tracer = tracer;
    this.#requestId = options.requestId;
    this.#foreman = options.foreman;
    const method = methodLabel(request.method);
    const route = routeLabel(request.url);
    this.#server = tracer.startSpan(
      `${method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_URL_SCHEME]: request.url.startsWith('https:') ? 'https' : 'http',
          [ATTR_REQUEST_ID]: options.requestId,
        },
      },
      options.parent,
    );
    this.#context = trace.setSpan(options.parent, this.#server);
  }

  /** The trace id when this request's spans are recorded and exported. */
  get sampledTraceId(): string | undefined {
    const context = this.#server.spanContext();
    return context.traceFlags & TraceFlags.SAMPLED ? context.traceId : undefined;
  }

  /** The operation as executed (with several in a document, the one that ran). */
  startOperation(type: string, name: string | undefined): void {
    const shortName = name?.slice(0, MAX_OPERATION_NAME);
    const span = this.#tracer.startSpan(
      shortName ? `${type} ${shortName}` : type,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR_GRAPHQL_OPERATION_TYPE]: type,
          ...(shortName ? { [ATTR_GRAPHQL_OPERATION_NAME]: shortName } : {}),
        },
      },
      this.#context,
    );
    this.#operation = { span, context: trace.setSpan(this.#context, span) };
  }

  /** `errorCodes`: the codes of the errors the client received, if any. */
  endOperation(errorCodes: readonly string[]): void {
    const operation = this.#operation;
    if (!operation) return;
    this.#operation = undefined;
    if (errorCodes.length > 0) {
      operation.span.setAttribute(ATTR_GRAPHQL_ERROR_CODES, [...new Set(errorCodes)]);
      operation.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    operation.span.end();
  }

  startCall(method: string, route: string, attempt: number): CallSpan {
    const span = this.#tracer.startSpan(
      `${method} ${route}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: methodLabel(method),
          [ATTR_URL_TEMPLATE]: route,
          [ATTR_SERVER_ADDRESS]: this.#foreman.address,
          [ATTR_SERVER_PORT]: this.#foreman.port,
          [ATTR_REQUEST_ID]: this.#requestId,
          ...(attempt > 1 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: attempt - 1 } : {}),
        },
      },
      this.#operation?.context ?? this.#context,
    );
    return {
      headers: propagationHeaders(span),
      end: (status, error) => endCall(span, status, error),
    };
  }

  /** Ends the server span with the status sent (once: a response may report twice). */
  end(status: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#server.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    // The server's own faults only: a 4xx is the caller's.
    if (status >= 500) {
      this.#server.setAttributes({ [ATTR_ERROR_TYPE]: String(status) });
      this.#server.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.#server.end();
  }
}

/** A Foreman answer of 4xx or 5xx, or none at all, is a failed call (`error.type` says why). */
function endCall(span: Span, status: number, error: CallError | undefined): void {
  if (status > 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (error) {
    span.setAttribute(ATTR_ERROR_TYPE, error.kind === 'http' ? String(error.status) : error.kind);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
