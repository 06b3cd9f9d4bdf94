import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from './gateway.js';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  server: Server;
  /** Stops accepting connections and resolves once in-flight requests are done. */
  close(): Promise<void>;
}

/** The only place that listens: serves the gateway over node:http. */
export function listen(gateway: Gateway, host: string, port: number): Promise<RunningServer> {
  const server = createServer(gateway);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}`,
        server,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}
