import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from './gateway.js';
import { answerGet } from './get-revalidation.js';
import type { GraphiQLPage } from './graphiql-page.js';
import {
  attachGraphQLWebSockets,
  type GraphQLWebSocketOptions,
  type GraphQLWebSockets,
} from './websockets/graphql-ws.js';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  server: Server;
  /** GraphQL over WebSocket, when served. */
  webSockets: GraphQLWebSockets | undefined;
  /**
   * Stops accepting connections and closes idle ones at once, lets in-flight requests finish,
   * and at `graceMs` calls `onDeadline` (to cancel their upstream work) and closes what is left.
   * Resolves when the server is closed.
   */
  close(graceMs?: number, onDeadline?: () => void): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Time a client has for its request headers, and for its whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /** GraphiQL for browsers, when enabled. */
  graphiql?: GraphiQLPage | undefined;
  /** GraphQL over WebSocket (graphql-ws) on /graphql, when set. */
  webSockets?: Omit<GraphQLWebSocketOptions, 'gateway'> | undefined;
}

/** The only place that listens: serves the gateway over node:http. */
export function listen(gateway: Gateway, options: ListenOptions): Promise<RunningServer> {
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  const server = createServer(
    // Request and header timeouts are enforced on this interval (Node's default is 30 s).
    { connectionsCheckingInterval: 1_000 },
    (request, response) => {
      if (stopping) response.setHeader('connection', 'close');
      inFlight.add(response);
      response.once('close', () => {
        inFlight.delete(response);
        // While stopping, a connection that just finished its last response goes at once.
        if (stopping) setImmediate(() => server.closeIdleConnections());
      });
      if (options.graphiql?.serve(request, response)) return;
      if (request.method === 'GET' || request.method === 'HEAD') {
        const path = (request.url ?? '/').split('?', 1)[0];
        if (path === '/') {
          // The root leads to the API (GraphiQL in a browser).
          response.writeHead(302, { location: '/graphql' }).end();
        } else if (path === '/graphql') {
          answerGet(gateway, request, response).catch(() => {
            if (!response.headersSent) response.writeHead(500);
            response.end();
          });
        } else void gateway(request, response);
        return;
      }
      readBoundedBody(request, options.maxBodyBytes).then(
        (body) => {
          if (body === TOO_LARGE) refuseOversizedBody(response, options.maxBodyBytes);
          else void gateway(withBody(request, body), response);
        },
        // The client went away mid-body: there is no one to answer.
        () => request.destroy(),
      );
    },
  );
  // Slow clients (a byte every few seconds) cannot hold a connection for Node's default 300 s.
  server.headersTimeout = options.headersTimeoutMs;
  server.requestTimeout = options.requestTimeoutMs;
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.maxConnections = options.maxConnections;
  const webSockets = options.webSockets
    ? attachGraphQLWebSockets(server, { gateway, ...options.webSockets })
    : undefined;

  const close = (graceMs = 10_000, onDeadline?: () => void) =>
    new Promise<void>((done, fail) => {
      stopping = true;
      const deadline = setTimeout(() => {
        onDeadline?.();
        // Cancelled upstream work lets most requests answer at once; then nothing waits.
        setTimeout(() => server.closeAllConnections(), 250).unref();
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

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ url: `http://${shownHost}:${address.port}`, server, webSockets, close });
    });
  });
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
  response.end(
    JSON.stringify({
      errors: [
        {
          message: `The request body is larger than ${maxBodyBytes} bytes`,
          extensions: { code: 'LIMIT_EXCEEDED', limit: 'bodySize' },
        },
      ],
    }),
  );
}
