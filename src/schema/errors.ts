import { GraphQLError } from 'graphql';
import { maskError } from 'graphql-yoga';
import { CodedError, type ErrorCode, gatewayError } from '../error-codes.js';
import { UpstreamError, upstreamCauseOf } from '../foreman/errors.js';
import { NODE_TYPES, type NodeResource } from './node-types.js';

export function badUserInput(message: string, argumentName?: string): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, {
    extensions: argumentName ? { argumentName } : {},
  });
}

export function notFound(resource: NodeResource, id: string): GraphQLError {
  return gatewayError('NOT_FOUND', `${NODE_TYPES[resource].graphqlName} ${id} was not found`);
}

/** The code a client switches on for an upstream failure. */
function upstreamErrorCode(error: UpstreamError): ErrorCode {
  // Not the caller's credentials: the gateway's own, which no caller can fix.
  if (error.upstreamCause === 'service_account_refused') return 'UPSTREAM_ERROR';
  switch (error.kind) {
    case 'timeout':
      return 'UPSTREAM_TIMEOUT';
    case 'network':
    case 'aborted':
      return 'UPSTREAM_UNAVAILABLE';
    case 'invalid_response':
      return 'UPSTREAM_ERROR';
    case 'missing_credentials':
    case 'credentials_refused':
      return 'UNAUTHENTICATED';
    case 'request_limit':
    case 'login_budget':
      return 'LIMIT_EXCEEDED';
    case 'overloaded':
      return 'OVERLOADED';
    case 'http':
      break;
  }
  switch (error.status) {
    case 400:
    case 422:
      return 'BAD_USER_INPUT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    default:
      return 'UPSTREAM_ERROR';
  }
}

/**
 * The client-facing form of an upstream failure: Foreman's own message for what the caller can
 * act on (bad search, no permission, validation), a neutral one for Foreman's faults — whose
 * bodies can carry database errors, hosts and passwords — and never a raw body.
 * Rewrites a resolver error caused by an UpstreamError; returns undefined for anything else.
 */
export function fromUpstreamError(error: GraphQLError): GraphQLError | undefined {
  const upstream = error.originalError;
  if (!(upstream instanceof UpstreamError)) return undefined;
  const code = upstreamErrorCode(upstream);
  const fault = upstream.kind === 'http' && upstream.status >= 500;
  const message = fault
    ? `Foreman failed to answer (HTTP ${upstream.status})${upstream.requestId ? `; request id ${upstream.requestId}` : ''}`
    : upstream.message;
  const cause = code.startsWith('UPSTREAM_') ? upstreamCauseOf(upstream) : undefined;
  return gatewayError(code, message, {
    original: error,
    extensions: {
      ...(cause ? { upstreamCause: cause } : {}),
      ...(upstream.kind === 'http' && cause !== 'service_account_refused'
        ? { upstreamStatus: upstream.status }
        : {}),
      ...(upstream.kind === 'login_budget' ? { limit: 'failedLogins' } : {}),
      ...(upstream.kind === 'request_limit' ? { limit: 'upstreamRequests' } : {}),
      ...(upstream.retryAfterMs !== undefined && upstream.kind !== 'http'
        ? { retryAfter: Math.max(1, Math.ceil(upstream.retryAfterMs / 1000)) }
        : {}),
      ...(fault && upstream.requestId ? { requestId: upstream.requestId } : {}),
    },
  });
}

/**
 * The code a client receives for an error, known before masking rewrites it (for logs and
 * metrics, which see execution results first).
 */
export function errorCodeOf(error: GraphQLError): string {
  const code = error.extensions?.code;
  if (typeof code === 'string') return code;
  if (error.originalError instanceof UpstreamError) return upstreamErrorCode(error.originalError);
  if (error.originalError instanceof CodedError) return error.originalError.code;
  return 'INTERNAL_SERVER_ERROR';
}

/** An error raised below the GraphQL layer with a code of its own (live changes, say). */
export function fromCodedError(error: GraphQLError): GraphQLError | undefined {
  const coded = error.originalError;
  if (!(coded instanceof CodedError)) return undefined;
  return gatewayError(coded.code, coded.message, { original: error, extensions: coded.extensions });
}

/**
 * What a client sees of an error: the gateway's own with their codes; anything unexpected as
 * "Unexpected error." with no stack or upstream body (over HTTP and over WebSocket alike).
 */
export function maskGatewayError(error: unknown, message: string, isDev?: boolean): Error {
  if (error instanceof GraphQLError) {
    const known = fromUpstreamError(error) ?? fromCodedError(error);
    if (known) return known;
  }
  return maskError(error, message, isDev);
}
