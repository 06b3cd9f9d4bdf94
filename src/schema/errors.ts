import { GraphQLError } from 'graphql';
import { UpstreamError } from '../foreman/errors.js';
import type { ResourceName } from '../foreman/records.js';
import { RESOURCES } from '../foreman/resources.js';

/** `extensions.code` values a client can switch on. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'LIMIT_EXCEEDED';

export function badUserInput(message: string, argumentName?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', ...(argumentName ? { argumentName } : {}) },
  });
}

export function notFound(resource: ResourceName, id: string): GraphQLError {
  return new GraphQLError(`${RESOURCES[resource].graphqlName} ${id} was not found`, {
    extensions: { code: 'NOT_FOUND' },
  });
}

/**
 * The client-facing form of an upstream failure: Foreman's own message for what the caller can
 * act on (bad search, no permission), a neutral one for Foreman's faults, never a raw body.
 */
function upstreamErrorCode(error: UpstreamError): ErrorCode {
  if (error.kind === 'timeout') return 'UPSTREAM_TIMEOUT';
  if (error.kind === 'network') return 'UPSTREAM_UNAVAILABLE';
  if (error.kind === 'invalid_response') return 'UPSTREAM_ERROR';
  if (error.kind === 'missing_credentials') return 'UNAUTHENTICATED';
  if (error.kind === 'request_limit') return 'LIMIT_EXCEEDED';
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

/** Rewrites a resolver error caused by an UpstreamError; returns undefined for anything else. */
export function fromUpstreamError(error: GraphQLError): GraphQLError | undefined {
  const upstream = error.originalError;
  if (!(upstream instanceof UpstreamError)) return undefined;
  const code = upstreamErrorCode(upstream);
  const message =
    upstream.kind === 'http' && upstream.status >= 500
      ? `Foreman failed to answer (HTTP ${upstream.status}): ${upstream.message}`
      : upstream.message;
  return new GraphQLError(message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: {
      code,
      ...(upstream.kind === 'http' ? { upstreamStatus: upstream.status } : {}),
    },
  });
}
