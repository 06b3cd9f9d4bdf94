import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from './gateway.js';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  server: Server;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `graceMs`, then closes
   * what is left) and resolves when the server is closed.
   */
  close(graceMs?: number): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
}

/** The only place that listens: serves the gateway over node:http. */
export function listen(gateway: Gateway, options: ListenOptions): Promise<RunningServer> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' || request.method === 'HEAD') {
      void gateway(request, response);
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
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}`,
        server,
        close: (graceMs) => close(server, graceMs),
      });
    });
  });
}

function close(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise<void>((done, fail) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close((error) => {
      clearTimeout(force);
      if (error) fail(error);
      else done();
    });
    // Idle keep-alive sockets would otherwise hold the server open until they time out.
    server.closeIdleConnections();
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
