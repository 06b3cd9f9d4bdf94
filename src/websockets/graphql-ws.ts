import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult, GraphQLError, OperationTypeNode } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type SubscribePayload } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import type { GatewayApp } from '../context.js';
import { gatewayError, limitExceeded } from '../error-codes.js';
import type { Logger } from '../logger.js';
import { OperationPipeline } from './operations.js';
import { type OriginVerdict, WebSocketOrigins } from './origin.js';

export interface GraphQLWebSocketOptions {
  gateway: GatewayApp;
  logger: Logger;
  /** Largest message, in bytes: an operation is no larger over a socket than in a POST body. */
  maxPayloadBytes: number;
  /** Time a client has, once connected, to send `connection_init` (then 4408 and close). */
  connectionInitTimeoutMs: number;
  /** Queries, mutations and subscriptions one connection may have running at once. */
  maxOperationsPerConnection: number;
  /** CORS_ORIGINS: browser pages of these origins may connect (same-origin pages always may). */
  corsOrigins: string[];
  introspection: boolean;
  /** How often a connection is pinged; one that has not answered the last ping by then is dropped. */
  keepAliveMs?: number;
  /** Told of each operation refused before it ran (parse, validation, limits), as HTTP's are. */
  onRefused?: (refusal: WebSocketRefusal) => void;
}

/** An operation refused before it ran: what it asked for, and the errors it was answered. */
export interface WebSocketRefusal {
  operationName: string | undefined;
  /** `unknown` when the document does not begin with an operation's keyword. */
  operationType: string;
  errors: readonly GraphQLError[];
  seconds: number;
}

/** The WebSocket side of a running server. */
export interface GraphQLWebSockets {
  /** Connections open now. */
  readonly size: number;
  /**
   * Refuses new connections, and tells each client to reconnect (close code 1001, going away) as
   * soon as its queries and mutations have been answered, at most `graceMs` from now. Its
   * subscriptions are not completed: the client subscribes again where it reconnects. Resolves
   * once every socket is closed. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** graphql-ws's protocol (`graphql-transport-ws`) on GraphQL's own path, beside SSE. */
const PATH = '/graphql';
const GOING_AWAY = 1001;
/** How long a client has to answer a close frame before its socket is simply destroyed. */
const CLOSE_HANDSHAKE_MS = 1_000;

/**
 * GraphQL over WebSocket (the graphql-ws protocol, as Apollo's GraphQLWsLink, urql and Relay use
 * it) on `/graphql` of `server`: each operation through the gateway's yoga (operations.ts), each
 * handshake through the origin check (origin.ts). WebSocket connections are TCP connections of
 * `server`, so `server.maxConnections` counts them.
 */
export function attachGraphQLWebSockets(
  server: Server,
  options: GraphQLWebSocketOptions,
): GraphQLWebSockets {
  const { logger } = options;
  const origins = new WebSocketOrigins(options.corsOrigins);
  const pipeline = new OperationPipeline(options.gateway, {
    introspection: options.introspection,
    logger,
  });
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes,
    handleProtocols,
    clientTracking: false,
  });
  const connections = new Set<Connection>();
  let closing: Promise<void> | undefined;
  let drained: () => void = () => {};

  const protocol = makeServer<Record<string, unknown> | undefined, Connection>({
    connectionInitWaitTimeout: options.connectionInitTimeoutMs,
    onConnect: (ctx) => ctx.extra.accept(ctx.connectionParams),
    onSubscribe: (ctx, id, payload) => ctx.extra.prepare(id, payload),
    execute: (args) => pipeline.run(args),
    subscribe: (args) => pipeline.run(args),
    onOperation: (ctx, _id, _payload, _args, result) =>
      Symbol.asyncIterator in result
        ? ctx.extra.quietWhileStopping(result as AsyncIterableIterator<ExecutionResult>)
        : undefined,
    onNext: (_ctx, _id, _payload, _args, result) => pipeline.formatResult(result),
    onError: (_ctx, _id, _payload, errors) => pipeline.formatErrors(errors),
    onComplete: (ctx, id) => ctx.extra.ended(id),
  });

  const opened = (socket: WebSocket, upgrade: IncomingMessage, verdict: OriginVerdict) => {
    const connection = new Connection(socket, upgrade, verdict, {
      pipeline,
      maxAtOnce: options.maxOperationsPerConnection,
      onRefused: options.onRefused,
    });
    connections.add(connection);
    // A handshake that was under way when the gateway began to stop.
    if (closing) connection.stop();
    // The protocol errors of a client (an oversized message, a bad frame) close its socket with
    // the code that says so; they are the client's, not the gateway's.
    socket.on('error', (error) => logger.debug({ error: error.message }, 'WebSocket client error'));
    const keepAlive = keepAliveTimer(socket, options.keepAliveMs ?? 12_000);
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              // graphql-ws throws on a message type it does not know; anything else is ours.
              logger.warn({ error: String(error) }, 'WebSocket message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      connection,
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      connection.left();
      connections.delete(connection);
      if (closing && connections.size === 0) drained();
      void closed(code, reason.toString());
    });
  };

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until the handshake completes, a reset from the client is this socket's only error.
    socket.on('error', () => socket.destroy());
    if (closing) {
      refuse(socket, 503, 'UPSTREAM_UNAVAILABLE', 'The gateway is stopping');
      return;
    }
    if ((request.url ?? '/').split('?', 1)[0] !== PATH) {
      refuse(socket, 404, 'BAD_REQUEST', `WebSocket connections are served at ${PATH} only`);
      return;
    }
    const origin = request.headers.origin;
    const verdict = origins.verdict(origin, request.headers.host);
    if (verdict === 'refused') {
      logger.debug({ origin }, 'WebSocket refused: origin not allowed');
      refuse(
        socket,
        403,
        'BAD_REQUEST',
        'This origin may not connect: the gateway serves browser pages of its own origin and those in CORS_ORIGINS',
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (webSocket) =>
      opened(webSocket, request, verdict),
    );
  });

  return {
    get size() {
      return connections.size;
    },
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        const deadline = setTimeout(() => {
          for (const connection of connections) connection.goAwayNow();
        }, graceMs);
        deadline.unref();
        drained = () => {
          clearTimeout(deadline);
          resolve();
        };
        for (const connection of connections) connection.stop();
        if (connections.size === 0) drained();
      });
      return closing;
    },
  };
}

/** One client's connection: its credentials, and its operations while they run. */
class Connection {
  readonly #socket: WebSocket;
  readonly #upgrade: IncomingMessage;
  readonly #pipeline: OperationPipeline;
  readonly #maxOperations: number;
  readonly #onRefused: ((refusal: WebSocketRefusal) => void) | undefined;
  #authorization: string | undefined;
  readonly #operations = new Map<string, Operation>();
  #stopping = false;
  readonly closed: Promise<void>;

  constructor(
    socket: WebSocket,
    upgrade: IncomingMessage,
    verdict: OriginVerdict,
    operations: {
      pipeline: OperationPipeline;
      maxAtOnce: number;
      onRefused?: ((refusal: WebSocketRefusal) => void) | undefined;
    },
  ) {
    this.#socket = socket;
    this.#pipeline = operations.pipeline;
    this.#maxOperations = operations.maxAtOnce;
    this.#onRefused = operations.onRefused;
    this.#upgrade = upgrade;
    // Under CORS_ORIGINS=*, a foreign page gets no use of what its browser saved for us.
    this.#authorization =
      verdict === 'allowed' ? (upgrade.headers.authorization ?? undefined) : undefined;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** `connection_init`: its `authorization`, when sent, replaces the handshake's. */
  accept(payload: Record<string, unknown> | undefined): boolean {
    const given = authorizationIn(payload);
    if (given instanceof Error) {
      this.#socket.close(CloseCode.BadRequest, given.message);
      return false;
    }
    if (given !== undefined) this.#authorization = given;
    return true;
  }

  async prepare(id: string, payload: SubscribePayload) {
    if (this.#stopping) {
      // Never run, never answered: the client sends it again where it reconnects.
      await this.closed;
      return [STOPPING];
    }
    const started = performance.now();
    const refuse = (errors: GraphQLError[]) => {
      const asked = operationAskedFor(payload.query);
      this.#onRefused?.({
        operationName: payload.operationName ?? asked.name,
        operationType: asked.type,
        errors,
        seconds: (performance.now() - started) / 1000,
      });
      return errors;
    };
    if (this.#operations.size >= this.#maxOperations) {
      return refuse([
        limitExceeded(
          'operations',
          `At most ${this.#maxOperations} operations at once on one connection`,
        ),
      ]);
    }
    const operation: Operation = { controller: new AbortController(), type: undefined };
    this.#operations.set(id, operation);
    const prepared = await this.#pipeline.prepare(payload, {
      upgrade: this.#upgrade,
      authorization: this.#authorization,
      signal: operation.controller.signal,
    });
    if (Array.isArray(prepared) || this.#socket.readyState !== this.#socket.OPEN) {
      // Refused, or its client left meanwhile: nothing runs.
      this.ended(id);
      return Array.isArray(prepared) ? refuse(prepared) : [STOPPING];
    }
    operation.type = prepared.type;
    return prepared.args;
  }

  /** The operation is over (answered, completed by the client, or its socket closed). */
  ended(id: string): void {
    const operation = this.#operations.get(id);
    if (!operation) return;
    this.#operations.delete(id);
    operation.controller.abort(new Error('the operation ended'));
    // graphql-ws sends the operation's `complete` right after this: the close frame follows it.
    if (this.#stopping && !this.#answering) setImmediate(() => this.#goAway());
  }

  /**
   * While the gateway stops, a subscription that ends (all of them do) is not completed: the
   * client would take that for the subscription's natural end. It stays quiet until the
   * socket closes with 1001, and the client subscribes again where it reconnects.
   */
  quietWhileStopping(
    stream: AsyncIterableIterator<ExecutionResult>,
  ): AsyncIterableIterator<ExecutionResult> {
    let returned: () => void = () => {};
    const whenReturned = new Promise<void>((resolve) => {
      returned = resolve;
    });
    return {
      next: async () => {
        const result = await stream.next();
        if (result.done && this.#stopping) await Promise.race([this.closed, whenReturned]);
        return result;
      },
      return: async () => {
        returned();
        return (await stream.return?.()) ?? { value: undefined, done: true };
      },
      throw: (error: unknown) => stream.throw?.(error) ?? Promise.reject(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Starts going away: at once when nothing needs answering, else once it is answered. */
  stop(): void {
    this.#stopping = true;
    if (!this.#answering) this.#goAway();
  }

  /** At the deadline: away, whatever is still running (it is cancelled). */
  goAwayNow(): void {
    this.#stopping = true;
    this.#goAway();
  }

  /** The socket closed: whatever still runs for it is cancelled. */
  left(): void {
    for (const operation of this.#operations.values()) {
      operation.controller.abort(new Error('the client left'));
    }
    this.#operations.clear();
  }

  /** Queries and mutations (or operations not yet known to be subscriptions) still running. */
  get #answering(): boolean {
    for (const operation of this.#operations.values()) {
      if (operation.type !== 'subscription') return true;
    }
    return false;
  }

  #goAway(): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    this.#socket.close(GOING_AWAY, 'The gateway is stopping: reconnect');
    // A client that does not answer the close frame does not hold the server open.
    setTimeout(() => this.#socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }
}

interface Operation {
  /** Ends the operation's upstream work. */
  controller: AbortController;
  /** Known once the operation is parsed. */
  type: OperationTypeNode | undefined;
}

const STOPPING = gatewayError(
  'UPSTREAM_UNAVAILABLE',
  'The gateway is stopping: send it again once reconnected',
);

/**
 * `connection_init`'s `authorization` (any capitalisation of the key, as clients spell headers):
 * undefined when absent, an Error when it cannot be a credential.
 */
function authorizationIn(payload: Record<string, unknown> | undefined): string | undefined | Error {
  const keys = Object.keys(payload ?? {}).filter((key) => key.toLowerCase() === 'authorization');
  if (keys.length === 0) return undefined;
  if (keys.length > 1) return new Error('connection_init: more than one authorization');
  const value = (payload as Record<string, unknown>)[keys[0] as string];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
    return new Error('connection_init: authorization must be an HTTP Authorization header value');
  }
  return value;
}

/** What an HTTP header value may hold (visible ASCII, spaces and tabs). */
const HEADER_VALUE = /^[\t\x20-\x7e]{1,8192}$/;

/** Pings every `intervalMs`; a peer that has not answered the previous ping is dropped. */
function keepAliveTimer(socket: WebSocket, intervalMs: number): NodeJS.Timeout {
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) {
      socket.terminate();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  return timer;
}

/** An HTTP answer in place of the handshake, and the end of the connection. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Which operation a document that was refused asked for, for its log line: the document may not
 * parse at all, so its first words are read, as far as they go.
 */
function operationAskedFor(query: string): { name: string | undefined; type: string } {
  const found = /^\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(query);
  if (!found) return { name: undefined, type: /^\s*\{/.test(query) ? 'query' : 'unknown' };
  return { name: found[2], type: found[1] as string };
}
