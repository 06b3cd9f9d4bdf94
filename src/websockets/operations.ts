import type { IncomingMessage } from 'node:http';
import {
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  NoSchemaIntrospectionCustomRule,
  type OperationTypeNode,
  specifiedRules,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { GatewayApp } from '../context.js';
import { gatewayError } from '../error-codes.js';
import { mapEvents } from '../event-stream.js';
import type { Logger } from '../logger.js';
import { labelError } from '../plugins/use-error-codes.js';
import { maskGatewayError } from '../schema/errors.js';

/** An operation ready to run: what graphql-ws executes, and how. */
export interface PreparedOperation {
  args: ExecutionArgs;
  type: OperationTypeNode;
}

/** Who sends an operation, as the HTTP path reads it from a request. */
export interface OperationSender {
  /** The handshake: its socket's peer and X-Forwarded-For work out the caller's address. */
  upgrade: IncomingMessage;
  /** The connection's credentials (connection_init's, else the handshake's). */
  authorization: string | undefined;
  /** Ends the operation's upstream work (the client completed it, left, or the gateway stops). */
  signal: AbortSignal;
}

type Enveloped = ReturnType<GatewayApp['getEnveloped']>;
type OnParamsHook = NonNullable<Plugin['onParams']>;

/**
 * One graphql-ws operation's way through the gateway's yoga, as yoga takes an HTTP request's
 * (graphql-yoga's graphql-ws recipe, completed with yoga's steps outside envelop):
 *
 * 1. yoga's `onParams` hooks, in yoga's order: document limits, persisted documents, the checks
 *    of the parameters themselves;
 * 2. the enveloped parse and validate (document limits' backstop, validation codes, the subgraph
 *    SDL switch), with introspection refused when it is off (yoga's switch for that reads the
 *    HTTP request, which a WebSocket operation does not pass through);
 * 3. the gateway's own context, built from a Request carrying the connection's credentials and
 *    the handshake's socket and headers, exactly as for HTTP: same caller, same counts;
 * 4. the enveloped execute or subscribe: query limits (subscriptions included), error masking,
 *    a context per subscription event;
 * 5. every error sent with its `extensions.code`, as `useErrorCodes` gives HTTP responses, and
 *    without yoga's internal `http` hints.
 */
export class OperationPipeline {
  readonly #gateway: GatewayApp;
  readonly #paramsHooks: OnParamsHook[];
  readonly #rules: typeof specifiedRules | undefined;
  readonly #hideSuggestions: boolean;
  readonly #logger: Logger;
  readonly #prepared = new WeakMap<
    ExecutionArgs,
    { enveloped: Enveloped; type: OperationTypeNode }
  >();

  constructor(gateway: GatewayApp, options: { introspection: boolean; logger: Logger }) {
    this.#gateway = gateway;
    this.#paramsHooks = yogaPlugins(gateway).flatMap((plugin) =>
      plugin?.onParams ? [plugin.onParams] : [],
    );
    this.#rules = options.introspection
      ? undefined
      : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    this.#hideSuggestions = !options.introspection;
    this.#logger = options.logger;
  }

  /** The operation's execution, or the errors that refuse it before anything runs. */
  async prepare(
    payload: SubscribePayload,
    sender: OperationSender,
  ): Promise<PreparedOperation | GraphQLError[]> {
    try {
      // What the HTTP path reads from a request: the credentials, a request id of its own.
      const request = new Request(OPERATION_URL, {
        method: 'POST',
        headers: sender.authorization ? { authorization: sender.authorization } : {},
        signal: sender.signal,
      });
      const context: Record<string, unknown> = { req: sender.upgrade, request };
      let params = paramsOf(payload);
      for (const hook of this.#paramsHooks) {
        await hook({
          params,
          request,
          setParams: (replaced: GraphQLParams) => {
            params = replaced;
          },
          paramsHandler: this.#gateway.handleParams,
          setParamsHandler: unsupported('a params handler'),
          setResult: unsupported('a result set before execution'),
          fetchAPI: this.#gateway.fetchAPI,
          context,
        });
      }
      context.params = params;
      const enveloped = this.#gateway.getEnveloped(context);
      const document = enveloped.parse(params.query as string);
      const invalid = enveloped.validate(enveloped.schema, document, this.#rules);
      if (invalid.length > 0) return [...invalid];
      const operation = getOperationAST(document, params.operationName);
      if (!operation) return [OPERATION_UNKNOWN];
      const args: ExecutionArgs = {
        schema: enveloped.schema,
        document,
        contextValue: await enveloped.contextFactory(),
        rootValue: undefined,
        variableValues: params.variables,
        operationName: params.operationName,
      };
      this.#prepared.set(args, { enveloped, type: operation.operation });
      return { args, type: operation.operation };
    } catch (error) {
      return [this.#masked(error)];
    }
  }

  /** Runs a prepared operation; never throws (a failure is a result with its error). */
  async run(
    args: ExecutionArgs,
  ): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
    const prepared = this.#prepared.get(args);
    if (!prepared) return { errors: [this.#masked(new Error('an operation was not prepared'))] };
    const { enveloped, type } = prepared;
    try {
      const result = await (type === 'subscription'
        ? enveloped.subscribe(args)
        : enveloped.execute(args));
      return Symbol.asyncIterator in result
        ? mapEvents(
            result as AsyncIterable<ExecutionResult>,
            (error): ExecutionResult => ({ errors: [this.#masked(error)] }),
            (event) => event,
          )
        : result;
    } catch (error) {
      return { errors: [this.#masked(error)] };
    }
  }

  /** A result as sent: each error with its code, none with yoga's internal hints. */
  formatResult(result: ExecutionResult): FormattedExecutionResult {
    const { errors, ...rest } = result;
    return errors ? { ...rest, errors: this.formatErrors(errors) } : rest;
  }

  formatErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    return errors.map((error) => {
      const known = error instanceof GraphQLError ? error : this.#masked(error);
      labelError(known, this.#hideSuggestions);
      const { http: _http, unexpected: _unexpected, ...extensions } = known.extensions;
      return { ...known.toJSON(), extensions };
    });
  }

  /** What a client sees of an error: the gateway's masking, as for HTTP; the unexpected logged. */
  #masked(error: unknown): GraphQLError {
    const masked = maskGatewayError(error, 'Unexpected error.');
    if (masked !== error) this.#logger.error({ err: error }, 'WebSocket operation failed');
    return masked instanceof GraphQLError
      ? masked
      : gatewayError('INTERNAL_SERVER_ERROR', 'Unexpected error.');
  }
}

/**
 * Yoga's plugins, its own and the gateway's, in the order yoga runs them. Yoga keeps them in a
 * field it does not publish (`getEnveloped._plugins` does not survive its server adapter): if a
 * later yoga moves it, the gateway refuses to start rather than skip persisted documents and
 * document limits over WebSocket.
 */
function yogaPlugins(gateway: GatewayApp): Plugin[] {
  const plugins = (gateway as unknown as { plugins?: unknown }).plugins;
  if (!Array.isArray(plugins) || plugins.length === 0) {
    throw new Error('graphql-yoga no longer shows its plugins: GraphQL over WebSocket cannot run');
  }
  return plugins as Plugin[];
}

/** Yoga's HTTP requests have an address; the operations' requests are never fetched. */
const OPERATION_URL = 'http://gateway.invalid/graphql';

const OPERATION_UNKNOWN = gatewayError(
  'OPERATION_RESOLUTION_FAILURE',
  'Could not determine what operation to execute.',
);

/**
 * The operation's parameters as yoga reads them from a POST body. graphql-ws requires `query` to
 * be a string: an empty one is no document (a persisted document's id may stand in for it).
 */
function paramsOf(payload: SubscribePayload): GraphQLParams {
  const { query, operationName, variables, extensions } = payload;
  const extra = payload as { documentId?: unknown; doc_id?: unknown };
  return {
    ...(query ? { query } : {}),
    ...(operationName ? { operationName } : {}),
    ...(variables ? { variables } : {}),
    ...(extensions ? { extensions } : {}),
    ...(typeof extra.documentId === 'string' ? { documentId: extra.documentId } : {}),
    ...(typeof extra.doc_id === 'string' ? { doc_id: extra.doc_id } : {}),
  } as GraphQLParams;
}

/** No plugin of the gateway replaces how parameters are handled; fail loudly if one ever does. */
function unsupported(what: string) {
  return () => {
    throw new Error(`${what} is not supported over WebSocket`);
  };
}
