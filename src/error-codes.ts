import { type ASTNode, GraphQLError } from 'graphql';

/**
 * Every `extensions.code` a client can see, and the one place errors that carry them are built.
 * The README's "Error codes" table lists the same set (a test compares them).
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'LIMIT_EXCEEDED',
  'OVERLOADED',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_ONLY',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What `extensions.limit` names when the code is LIMIT_EXCEEDED. */
export type LimitName =
  | 'depth'
  | 'aliases'
  | 'rootFields'
  | 'cost'
  | 'tokens'
  | 'documentSize'
  | 'bodySize'
  | 'failedLogins'
  | 'upstreamRequests'
  | 'subscriptions'
  | 'operations';

/**
 * An error with a client-facing code, raised below the GraphQL layer (live changes, say) where
 * no GraphQLError belongs; the gateway turns it into one with the same code and message.
 */
export class CodedError extends Error {
  override readonly name = 'CodedError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** LIMIT_EXCEEDED below the GraphQL layer, as `limitExceeded` builds it above. */
  static limit(limit: LimitName, message: string, retryAfterSeconds?: number): CodedError {
    return new CodedError('LIMIT_EXCEEDED', message, {
      limit,
      ...(retryAfterSeconds !== undefined ? { retryAfter: retryAfterSeconds } : {}),
    });
  }
}

export interface ErrorOptions {
  extensions?: Record<string, unknown>;
  /** The HTTP status of the whole response, for errors raised before execution. */
  httpStatus?: number;
  /** Where in the document, for errors about a field: taken from an error of graphql-js… */
  original?: GraphQLError;
  /** …or given. */
  at?: { nodes: readonly ASTNode[]; path: ReadonlyArray<string | number> };
  /**
   * Made without a stack trace, which nobody reads: for errors that can come by the thousand
   * (one per list left out past the cost limit), where capturing stacks is most of their cost.
   */
  withoutStack?: boolean;
}

/** A GraphQL error with its code (and, from `original`, its place in the document). */
export function gatewayError(
  code: ErrorCode,
  message: string,
  options: ErrorOptions = {},
): GraphQLError {
  const { original, at } = options;
  const make = () =>
    new GraphQLError(message, {
      ...(original?.nodes ? { nodes: original.nodes } : {}),
      ...(original?.source ? { source: original.source } : {}),
      ...(original?.positions ? { positions: original.positions } : {}),
      ...(original?.path ? { path: original.path } : {}),
      ...(at ? { nodes: at.nodes, path: at.path } : {}),
      extensions: {
        code,
        ...options.extensions,
        ...(options.httpStatus ? { http: { status: options.httpStatus } } : {}),
      },
    });
  if (!options.withoutStack) return make();
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** LIMIT_EXCEEDED, naming the limit, with how long to wait when waiting helps. */
export function limitExceeded(
  limit: LimitName,
  message: string,
  options: Omit<ErrorOptions, 'extensions'> & { retryAfterSeconds?: number | undefined } = {},
): GraphQLError {
  const { retryAfterSeconds, ...rest } = options;
  return gatewayError('LIMIT_EXCEEDED', message, {
    ...rest,
    extensions: {
      limit,
      ...(retryAfterSeconds !== undefined ? { retryAfter: retryAfterSeconds } : {}),
    },
  });
}
