import { readFileSync } from 'node:fs';
import { Pool } from 'undici';

export interface UpstreamPoolOptions {
  foremanUrl: string;
  /** PEM bundle to trust for Foreman's TLS certificate (often a private CA). */
  caFile?: string | undefined;
  connectTimeoutMs: number;
  /** Upper bound on sockets to Foreman across all GraphQL requests. */
  connections: number;
}

/** The one keep-alive pool towards Foreman's origin, shared by every request's client. */
export function createUpstreamPool(options: UpstreamPoolOptions): Pool {
  const ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
  return new Pool(new URL(options.foremanUrl).origin, {
    connections: options.connections,
    // Shorter than the server's keep-alive, so a request never races a socket the server closes.
    keepAliveTimeout: 10_000,
    connect: { timeout: options.connectTimeoutMs, ...(ca ? { ca } : {}) },
  });
}
