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
  /** A 2xx answer whose body was not the JSON we expected. */
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
  return new UpstreamError({
    kind: 'http',
    status,
    message: parsed.message ?? defaultMessage(status),
    ...(parsed.fieldErrors ? { fieldErrors: parsed.fieldErrors } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...rest,
  });
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
