/**
 * Who may open a WebSocket, decided from the handshake's `Origin` before it completes.
 *
 * Browsers attach the credentials they saved for a site (Basic, after a sign-in) to a WebSocket
 * handshake whichever page opens it, and WebSockets are not subject to CORS: without this check,
 * any page a signed-in user visits could act as that user (cross-site WebSocket hijacking).
 *
 * - No `Origin`: not a browser page (a server, a CLI), which holds no one else's saved
 *   credentials: allowed, as for HTTP.
 * - Same origin (the page was served by the gateway itself, GraphiQL say): allowed.
 * - An origin listed in CORS_ORIGINS: allowed, with the browser's credentials, as for HTTP.
 * - Any other origin, with `CORS_ORIGINS=*`: allowed without the browser's credentials (the
 *   handshake's `Authorization` is ignored; credentials the page itself sends in
 *   `connection_init` count), which is what `*` means for HTTP: any origin, no credentials.
 * - Otherwise: refused.
 */
export type OriginVerdict = 'allowed' | 'without-browser-credentials' | 'refused';

export class WebSocketOrigins {
  readonly #listed: Set<string>;
  readonly #any: boolean;

  /** `corsOrigins`: CORS_ORIGINS as configured (validated origins, or `*`). */
  constructor(corsOrigins: readonly string[]) {
    this.#any = corsOrigins.includes('*');
    this.#listed = new Set(
      corsOrigins.filter((origin) => origin !== '*').flatMap((origin) => normalised(origin) ?? []),
    );
  }

  /**
   * Same origin is the `Origin`'s host and port equal to the handshake's `Host` (a port left out
   * is the scheme's default). Both are set by the browser from the addresses the page and the
   * socket really have: a page elsewhere cannot name the gateway's host as its own origin, and a
   * script can set neither header. Whoever can set both freely is not a browser, and brings only
   * the credentials it has anyway.
   */
  verdict(origin: string | undefined, host: string | undefined): OriginVerdict {
    if (origin === undefined) return 'allowed';
    const given = normalised(origin);
    if (given !== undefined) {
      if (this.#listed.has(given)) return 'allowed';
      if (host !== undefined && sameHost(new URL(given), host)) return 'allowed';
    }
    return this.#any ? 'without-browser-credentials' : 'refused';
  }
}

/** `https://App.example.com:443` → `https://app.example.com`; an opaque origin (`null`) → undefined. */
function normalised(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/;
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** Whether a Host header names the origin's host and port. */
function sameHost(origin: URL, host: string): boolean {
  const match = HOST.exec(host.toLowerCase());
  if (!match) return false;
  const defaultPort = DEFAULT_PORTS[origin.protocol];
  return match[1] === origin.hostname && (match[2] ?? defaultPort) === (origin.port || defaultPort);
}
