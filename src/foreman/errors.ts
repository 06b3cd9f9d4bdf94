/**
 * Everything that can go wrong between the gateway and Foreman, as one error type.
 * Foreman answers failures in several body shapes; `parseUpstreamError`
 * reads all of them so callers only ever see `status`, `message` and, for 422, `fieldErrors`.
 */

export type UpstreamErrorKind =
  /** Foreman answered with a non-2xx status. */
  | 'http'
  /** No answer in time (connect, headers or body). */
  | 'timeout'
  /** The connection failed or dropped before a complete answer. */
  | 'network'
  /**
   * A 2xx answer whose body was not the JSON we expected, or an answer that is not Foreman's at
   * all (`upstreamCause: 'not_foreman'`, status 0: Foreman did not answer, something else did).
   */
  | 'invalid_response'
  /** The caller sent no credentials and none are configured: nothing was sent to Foreman. */
  | 'missing_credentials'
  /** This GraphQL request already made as many upstream requests as it may. */
  | 'request_limit'
  /** Foreman refused these credentials moments ago: not sent again for a while. */
  | 'credentials_refused'
  /** Too many failed logins (from this client, or in all): refused locally to spare Foreman's lockout. */
  | 'login_budget'
  /** The GraphQL request ended (answered, abandoned, or the gateway is stopping): call cancelled. */
  | 'aborted'
  /** Foreman is too busy for this call to be answered before its deadline: it was not sent. */
  | 'overloaded';

/**
 * Why Foreman could not be used, in one word a client or an orchestrator can switch on
 * (`extensions.upstreamCause` on UPSTREAM_* errors, `cause` in `/readyz`). A cause never carries
 * an address, a port or a stack: those go to the gateway's log only (see upstream-causes.ts).
 */
export type UpstreamCause =
  /** Foreman's TLS certificate is not trusted: self-signed, an unknown CA, expired, another name. */
  | 'certificate'
  /** The TLS handshake failed otherwise (an https:// URL on a port that speaks plain HTTP). */
  | 'tls'
  /** Nothing accepts connections at Foreman's host and port. */
  | 'refused'
  /** Foreman's host name does not resolve. */
  | 'dns'
  /** No route to Foreman's host or network. */
  | 'unreachable'
  /** No connection, or no answer, in time. */
  | 'timeout'
  /** The connection was closed or reset before a complete answer. */
  | 'reset'
  /** Any other connection failure. */
  | 'network'
  /** The call was cancelled: the GraphQL request ended, or the gateway is stopping. */
  | 'cancelled'
  /** Something answers at FOREMAN_URL, but not Foreman's API (an HTML page, a foreign 404). */
  | 'not_foreman'
  /** Foreman refuses the gateway's own account (FOREMAN_USERNAME / FOREMAN_PASSWORD). */
  | 'service_account_refused'
  /** Foreman answered with an error status of its own (a 5xx, or a refusal with no other code). */
  | 'foreman_error'
  /** Foreman's answer could not be read: too large, malformed, or not the shape it should be. */
  | 'invalid_response'
  /** Foreman answers, but says its database is not active (`/readyz` only). */
  | 'database_inactive';

export interface UpstreamErrorDetails {
  kind: UpstreamErrorKind;
  /** HTTP status, or 0 when there was no answer. */
  status: number;
  /** Human-readable message, Foreman's own where it gave one. */
  message: string;
  /** 422 validation errors: attribute name (snake_case, as Foreman sends it) to messages. */
  fieldErrors?: Record<string, string[]>;
  /** For timeouts: whether connecting, or waiting for headers or body, took too long. */
  phase?: 'connect' | 'response';
  /** Foreman's (or a proxy's) Retry-After, in ms. */
  retryAfterMs?: number;
  /** Why, in the word clients read, where the kind alone does not say (see upstream-causes.ts). */
  upstreamCause?: UpstreamCause;
  /** The request that failed, for logs (method and path, never credentials). */
  method: string;
  path: string;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly kind: UpstreamErrorKind;
  readonly status: number;
  readonly fieldErrors: Record<string, string[]> | undefined;
  readonly phase: 'connect' | 'response' | undefined;
  readonly retryAfterMs: number | undefined;
  readonly upstreamCause: UpstreamCause | undefined;
  readonly method: string;
  readonly path: string;
  /** The GraphQL request it happened in (set by the client), for the client-facing error. */
  requestId: string | undefined;

  constructor(details: UpstreamErrorDetails, options?: { cause?: unknown }) {
    super(details.message, options);
    this.kind = details.kind;
    this.status = details.status;
    this.fieldErrors = details.fieldErrors;
    this.phase = details.phase;
    this.retryAfterMs = details.retryAfterMs;
    this.upstreamCause = details.upstreamCause;
    this.method = details.method;
    this.path = details.path;
  }
}

const MAX_MESSAGE_LENGTH = 500;

/** Builds the error for a non-2xx answer from its raw body, whatever shape Foreman chose. */
export function parseUpstreamError(
  status: number,
  rawBody: string,
  request: { method: string; path: string; retryAfterMs?: number | undefined },
): UpstreamError {
  const parsed = parseErrorBody(rawBody);
  const { retryAfterMs, ...rest } = request;
  if (NOT_FOREMAN_UNLESS_SAID.has(status) && parsed.message === undefined) {
    // Foreman answers these with a message in JSON: a page, an empty body or a foreign JSON
    // body means FOREMAN_URL leads elsewhere (a web server, a proxy's own page, plain HTTP sent
    // to an HTTPS port), and "not found" or "bad input" would be a lie about the caller's query.
    return notForeman(status, request);
  }
  return new UpstreamError({
    kind: 'http',
    status,
    message: parsed.message ?? defaultMessage(status),
    ...(parsed.fieldErrors ? { fieldErrors: parsed.fieldErrors } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...rest,
  });
}

/**
 * The cause a client reads beside an UPSTREAM_* code (`extensions.upstreamCause`): the one the
 * transport found (a certificate, a refused port, not Foreman…), else what the kind says.
 */
export function upstreamCauseOf(error: UpstreamError): UpstreamCause {
  if (error.upstreamCause) return error.upstreamCause;
  switch (error.kind) {
    case 'timeout':
      return 'timeout';
    case 'aborted':
      return 'cancelled';
    case 'network':
      return 'network';
    case 'invalid_response':
      return 'invalid_response';
    default:
      return 'foreman_error';
  }
}

/**
 * Statuses Foreman's API always explains in JSON (a 401 may come with an empty body, and its
 * Apache front answers a request line that is too long, 414, with a page of its own).
 */
const NOT_FOREMAN_UNLESS_SAID = new Set([400, 404, 405]);

/** Something other than Foreman's API answered (see `parseUpstreamError`, `unreadableAnswer`). */
function notForeman(status: number, request: { method: string; path: string }): UpstreamError {
  return new UpstreamError({
    kind: 'invalid_response',
    status: 0,
    upstreamCause: 'not_foreman',
    message: `What answers at the gateway's Foreman address is not Foreman's API (HTTP ${status} without a Foreman answer)`,
    method: request.method,
    path: request.path,
  });
}

/**
 * A 2xx answer whose body does not parse: not Foreman at all when it is not even declared JSON
 * (an HTML page: a web server or a sign-in page where Foreman should be), else an unreadable one.
 */
export function unreadableAnswer(
  status: number,
  contentType: string | undefined,
  request: { method: string; path: string },
  cause: unknown,
): UpstreamError {
  if (!/json/i.test(contentType ?? '')) return notForeman(status, request);
  return new UpstreamError(
    {
      kind: 'invalid_response',
      status,
      message: 'Foreman answered with a body that is not JSON',
      ...request,
    },
    { cause },
  );
}

/**
 * The gateway's own account (a service account, or the demo's fallback) refused: callers cannot
 * act on that, so they are told it is the gateway's account, not whose, and not to check a
 * password they never gave. The kind and status stay, so logins are still counted as refused.
 */
export function refusedServiceAccount(error: UpstreamError): UpstreamError {
  const refused = new UpstreamError(
    {
      kind: error.kind,
      status: error.status,
      upstreamCause: 'service_account_refused',
      message:
        "Foreman refuses the gateway's own account: the gateway's operator must fix its credentials",
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      method: error.method,
      path: error.path,
    },
    { cause: error },
  );
  refused.requestId = error.requestId;
  return refused;
}

interface ParsedErrorBody {
  message?: string;
  fieldErrors?: Record<string, string[]>;
}

/**
 * The body shapes Foreman uses:
 * - wrapped `{"error":{"message": …}}` and 422 `{"error":{"errors":{…},"full_messages":[…]}}`;
 * - unwrapped `{"message": …}` (nested-parent 404, maintenance, render_exception);
 * - `{"status":400,"error":"There was a problem in the JSON…"}` and Rails' `{"status":404,"error":"Not Found"}`;
 * - empty bodies (session expiry 401) and HTML pages (proxies, unrouted paths): no message.
 */
function parseErrorBody(rawBody: string): ParsedErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return {};
  }
  if (!isObject(body)) return {};
  const inner = isObject(body.error) ? body.error : body;
  const fieldErrors = readFieldErrors(inner.errors);
  const message =
    readString(inner.message) ??
    readString(body.error) ??
    (Array.isArray(inner.full_messages) ? joinStrings(inner.full_messages) : undefined);
  return {
    ...(message !== undefined ? { message: truncate(message) } : {}),
    ...(fieldErrors ? { fieldErrors } : {}),
  };
}

function readFieldErrors(value: unknown): Record<string, string[]> | undefined {
  if (!isObject(value)) return undefined;
  const result: Record<string, string[]> = {};
  for (const [attribute, messages] of Object.entries(value)) {
    const list = Array.isArray(messages) ? messages : [messages];
    const strings = list.filter((m): m is string => typeof m === 'string').map(truncate);
    if (strings.length > 0) result[attribute] = strings;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function joinStrings(values: unknown[]): string | undefined {
  const strings = values.filter((v): v is string => typeof v === 'string');
  return strings.length > 0 ? strings.join('; ') : undefined;
}

function truncate(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Foreman rejected the credentials';
    case 403:
      return 'Access denied';
    case 404:
      return 'Not found';
    default:
      return `Foreman answered HTTP ${status}`;
  }
}

/**
 * A `.catch` handler for reads where "not found" has a natural answer (a vanished parent has no
 * images); every other failure still propagates.
 */
export function recoverNotFound<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof UpstreamError && error.status === 404) return fallback;
    throw error;
  };
}
