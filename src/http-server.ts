import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type Config, ConfigError } from './config.js';
import type { GatewayApp } from './context.js';
import { limitExceeded } from './error-codes.js';
import type { GraphiQLPage } from './graphiql-page.js';
import {
  attachGraphQLWebSockets,
  type GraphQLWebSocketOptions,
  type GraphQLWebSockets,
} from './websockets/graphql-ws.js';

/**
 * The gateway's HTTP server, the only place that listens: node:http with bounds on what a client
 * can send (body size, header and request time, idle keep-alive, open connections), then, in
 * order: GraphiQL for browsers, GraphQL over GET with revalidation, and everything else to the
 * app. The port is bound before anything else starts, so a port in use is one clear line.
 */

export interface HttpServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Time a client has for its request headers, and for its whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export function httpServerOptions(config: Config): HttpServerOptions {
  const { http, limits } = config;
  return {
    host: config.host,
    port: config.port,
    maxBodyBytes: limits.maxBodyBytes,
    headersTimeoutMs: http.headersTimeoutMs,
    requestTimeoutMs: http.requestTimeoutMs,
    keepAliveTimeoutMs: http.keepAliveTimeoutMs,
    maxConnections: http.maxConnections,
  };
}

export interface ServeOptions {
  /** GraphiQL for browsers, when enabled. */
  graphiql?: GraphiQLPage | undefined;
  /** GraphQL over WebSocket (graphql-ws) on /graphql, when set. */
  webSockets?: Omit<GraphQLWebSocketOptions, 'gateway'> | undefined;
  /** Told of every request once its response is over (logs and metrics). */
  onAnswered?:
    | ((request: IncomingMessage, response: ServerResponse, how: Answered) => void)
    | undefined;
}

/** The routes requests are counted by: a fixed set, so a metric's labels stay bounded. */
export type RouteLabel =
  | '/graphql'
  | '/healthz'
  | '/readyz'
  | '/metrics'
  | '/sign-in'
  | '/sign-out'
  | 'graphiql'
  | 'other';

/** How a request ended, as the HTTP server saw it. */
export interface Answered {
  route: RouteLabel;
  /** The status sent; 0 when none was (the client went away, or the gateway cut it off). */
  status: number;
  /** From the request's arrival to the end of its response. */
  seconds: number;
  /**
   * `answered`: the response was sent in full; `client-left`: the client closed the connection
   * first; `cut-off`: the gateway closed it (its shutdown deadline, or streams ended at stop).
   */
  ending: 'answered' | 'client-left' | 'cut-off';
  /** Codes of a refusal made here, before the app saw the request (a body over the limit). */
  codes?: readonly string[];
}

export interface GatewayServer {
  /** e.g. `http://127.0.0.1:4000` */
  readonly url: string;
  readonly server: Server;
  /** Starts answering with the app (until then, requests get 503: the gateway is starting). */
  serve(app: GatewayApp, extras?: ServeOptions): void;
  /** GraphQL over WebSocket, once served. */
  readonly webSockets: GraphQLWebSockets | undefined;
  /**
   * Ends every open event stream (subscriptions over Server-Sent Events) by closing its
   * connection, with no `complete` event: clients take that as "reconnect" (to another replica),
   * not as the end of the subscription.
   */
  endStreams(): void;
  /**
   * Stops accepting connections and closes idle ones at once, lets in-flight requests finish,
   * and at `graceMs` calls `onDeadline` (to cancel their upstream work) and closes what is left.
   * Resolves when the server is closed.
   */
  close(graceMs?: number, onDeadline?: () => void): Promise<void>;
}

/** The address is taken: worded as the one line an operator needs. */
export class PortInUseError extends ConfigError {}

/** Binds the port, then answers 503 until `serve` hands it the app. */
export async function listen(options: HttpServerOptions): Promise<GatewayServer> {
  let app: GatewayApp | undefined;
  let graphiql: GraphiQLPage | undefined;
  let webSockets: GraphQLWebSockets | undefined;
  let onAnswered: ServeOptions['onAnswered'];
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  /** Responses that may be event streams (the client asked for one). */
  const streams = new WeakSet<ServerResponse>();
  /** Responses the gateway itself cut off before they were over. */
  const cutOff = new WeakSet<ServerResponse>();
  const server = createServer(
    // Request and header timeouts are enforced on this interval (Node's default is 30 s).
    { connectionsCheckingInterval: 1_000 },
    (request, response) => {
      const arrived = performance.now();
      if (stopping) response.setHeader('connection', 'close');
      inFlight.add(response);
      if (request.headers.accept?.includes('text/event-stream')) streams.add(response);
      let routed: Routed = { route: 'other' };
      response.once('close', () => {
        inFlight.delete(response);
        // While stopping, a connection that just finished its last response goes at once.
        if (stopping) setImmediate(() => server.closeIdleConnections());
        onAnswered?.(request, response, {
          ...routed,
          status: response.headersSent ? response.statusCode : 0,
          seconds: (performance.now() - arrived) / 1000,
          ending: response.writableFinished
            ? 'answered'
            : cutOff.has(response)
              ? 'cut-off'
              : 'client-left',
        });
      });
      if (!app) {
        response.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' });
        response.end('The gateway is starting.\n');
        return;
      }
      routed = route(app, graphiql, options.maxBodyBytes, request, response);
    },
  );
  // Slow clients (a byte every few seconds) cannot hold a connection for Node's default 300 s.
  server.headersTimeout = options.headersTimeoutMs;
  server.requestTimeout = options.requestTimeoutMs;
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.maxConnections = options.maxConnections;

  const close = (graceMs = 10_000, onDeadline?: () => void) =>
    new Promise<void>((done, fail) => {
      stopping = true;
      const deadline = setTimeout(() => {
        onDeadline?.();
        // Cancelled upstream work lets most requests answer at once; then nothing waits.
        setTimeout(() => {
          for (const response of inFlight) cutOff.add(response);
          server.closeAllConnections();
        }, 250).unref();
      }, graceMs);
      deadline.unref();
      // Upgraded sockets are no longer the HTTP server's to close, yet they hold it open.
      void webSockets?.close(graceMs);
      server.close((error) => {
        clearTimeout(deadline);
        if (error) fail(error);
        else done();
      });
      // Idle keep-alive sockets would otherwise hold the server open until they time out.
      server.closeIdleConnections();
      if (inFlight.size === 0) server.closeAllConnections();
    });

  const url = await new Promise<string>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new PortInUseError(
              `PORT ${options.port} on HOST ${options.host} cannot be used (${error.code === 'EADDRINUSE' ? 'another program listens there' : 'not allowed'}): choose another PORT`,
            )
          : error,
      );
    });
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
  return {
    url,
    server,
    serve(given, extras = {}) {
      app = given;
      graphiql = extras.graphiql;
      onAnswered = extras.onAnswered;
      if (extras.webSockets) {
        webSockets = attachGraphQLWebSockets(server, { gateway: given, ...extras.webSockets });
      }
    },
    get webSockets() {
      return webSockets;
    },
    endStreams() {
      for (const response of inFlight) {
        if (!streams.has(response)) continue;
        cutOff.add(response);
        response.destroy();
      }
    },
    close,
  };
}

/** Which route a request took, and what was refused here before the app saw it. */
type Routed = Pick<Answered, 'route' | 'codes'>;

function route(
  app: GatewayApp,
  graphiql: GraphiQLPage | undefined,
  maxBodyBytes: number,
  request: IncomingMessage,
  response: ServerResponse,
): Routed {
  if (graphiql?.serve(request, response)) return { route: 'graphiql' };
  const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
  const routed: Routed = { route: routeLabel(path) };
  if (request.method === 'GET' || request.method === 'HEAD') {
    if (path === '/') {
      // The root leads to the API (GraphiQL in a browser).
      response.writeHead(302, { location: '/graphql' }).end();
    } else if (path === '/graphql') {
      answerGet(app, request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    } else void app(request, response);
    return routed;
  }
  readBoundedBody(request, maxBodyBytes).then(
    (body) => {
      if (body === TOO_LARGE) {
        routed.codes = ['LIMIT_EXCEEDED'];
        refuseOversizedBody(response, maxBodyBytes);
      } else void app(withBody(request, body), response);
    },
    // The client went away mid-body: there is no one to answer.
    () => request.destroy(),
  );
  return routed;
}

const ROUTES = new Map<string, RouteLabel>([
  ['/graphql', '/graphql'],
  ['/healthz', '/healthz'],
  ['/readyz', '/readyz'],
  ['/metrics', '/metrics'],
  ['/sign-in', '/sign-in'],
  ['/sign-in/status', '/sign-in'],
  ['/sign-out', '/sign-out'],
]);

function routeLabel(path: string): RouteLabel {
  return ROUTES.get(path.length > 1 ? path.replace(/\/+$/, '') : path) ?? 'other';
}

const TOO_LARGE = Symbol('too large');

/**
 * The whole body, or TOO_LARGE as soon as it passes the limit (a declared length is checked
 * before reading anything; a chunked body is counted as it arrives). Reading it here, once, also
 * spares yoga its own body-size pipeline.
 */
function readBoundedBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | typeof TOO_LARGE> {
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.off('data', onData);
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    request.once('error', reject);
  });
}

/** An async-iterable body that yoga's server adapter takes as is (instead of re-reading the socket). */
class BufferedBody {
  constructor(readonly bytes: Buffer) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.bytes.length > 0) yield this.bytes;
  }
}

/**
 * Hands the body read above to yoga: a JSON object parsed here (yoga then skips its own parse),
 * anything else as the raw bytes, which yoga parses and, if need be, refuses itself.
 */
function withBody(request: IncomingMessage, bytes: Buffer): IncomingMessage {
  let body: unknown = new BufferedBody(bytes);
  if (request.headers['content-type']?.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'));
      if (isNonEmptyObject(parsed)) body = parsed;
    } catch {
      // Malformed JSON: yoga answers it with its own 400.
    }
  }
  return Object.assign(request, { body });
}

function isNonEmptyObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const _ in value) return true;
  return false;
}

function refuseOversizedBody(response: ServerResponse, maxBodyBytes: number): void {
  response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  const error = limitExceeded('bodySize', `The request body is larger than ${maxBodyBytes} bytes`);
  response.end(JSON.stringify({ errors: [error.toJSON()] }));
}

/**
 * GraphQL over GET (queries only, as urql and Apollo can send them), answered with headers that
 * suit per-caller data and let browsers and CDNs revalidate: `Cache-Control: private, no-cache`
 * (only the caller's own cache may keep it, and must ask again before using it), `Vary` on what
 * the answer depends on, and an ETag, so an unchanged answer is a 304 with no body. Streams
 * (Server-Sent Events) pass through untouched.
 */
async function answerGet(
  app: GatewayApp,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
  const answer = await app.fetch(
    new Request(url, { method: request.method ?? 'GET', headers: headersOf(request) }),
    { req: request, res: response },
  );
  const headers = Object.fromEntries(answer.headers);
  const type = answer.headers.get('content-type') ?? '';
  if (!/json/.test(type) || answer.status >= 500) {
    response.writeHead(answer.status, headers);
    if (answer.body) Readable.fromWeb(answer.body as never).pipe(response);
    else response.end();
    return;
  }
  const body = Buffer.from(await answer.arrayBuffer());
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const caching = {
    etag,
    'cache-control': 'private, no-cache',
    vary: [answer.headers.get('vary'), 'Accept, Authorization'].filter(Boolean).join(', '),
  };
  if (answer.status === 200 && matches(request.headers['if-none-match'], etag)) {
    const { 'content-type': _, 'content-length': __, ...rest } = headers;
    response.writeHead(304, { ...rest, ...caching }).end();
    return;
  }
  response.writeHead(answer.status, { ...headers, ...caching, 'content-length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/** `If-None-Match` holds one or more ETags (or `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return (
    ifNoneMatch === '*' ||
    ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
  );
}
