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
    if (refuseOversizedBody(request, response, options.maxBodyBytes)) return;
    void gateway(request, response);
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

/**
 * Bodies are checked before the gateway reads them: a declared length over the limit is 413, and
 * a POST must declare its length (a chunked body of unknown size could be endless).
 */
function refuseOversizedBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBodyBytes: number,
): boolean {
  if (request.method !== 'POST') return false;
  const declared = request.headers['content-length'];
  const length = declared === undefined ? Number.NaN : Number(declared);
  if (Number.isInteger(length) && length <= maxBodyBytes) return false;
  const status = declared === undefined ? 411 : 413;
  const message =
    status === 411
      ? 'POST requests must send a Content-Length header'
      : `The request body is larger than ${maxBodyBytes} bytes`;
  response.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  response.end(
    JSON.stringify({
      errors: [{ message, extensions: { code: 'LIMIT_EXCEEDED', limit: 'bodySize' } }],
    }),
  );
  request.resume();
  return true;
}
