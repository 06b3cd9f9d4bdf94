import type { UpstreamCause } from './errors.js';

/**
 * What a failure to reach Foreman says, as an UpstreamCause: read from the error's code, with
 * the words a client reads (what happened, never where) and the ones an operator reads (what to
 * fix), for the log and for `/readyz`.
 */

/** Causes of a failure to connect or to get an answer, with what clients and operators read. */
const CONNECTION_CAUSES = {
  certificate: {
    message: 'Foreman could not be reached: the gateway does not trust its TLS certificate',
    explanation:
      "Foreman's TLS certificate is not trusted (self-signed, signed by an unknown CA, expired, or issued for another name): set FOREMAN_CA_FILE to the PEM file of the CA that signed it",
  },
  tls: {
    message: 'Foreman could not be reached: the TLS handshake failed',
    explanation:
      'the TLS handshake with Foreman failed (is FOREMAN_URL https:// on a port that speaks plain HTTP?)',
  },
  refused: {
    message: 'Foreman could not be reached: the connection was refused',
    explanation:
      "Foreman refused the connection: nothing listens at FOREMAN_URL's host and port (is Foreman running, and is the port right?)",
  },
  dns: {
    message: 'Foreman could not be reached: its host name does not resolve',
    explanation: "FOREMAN_URL's host name does not resolve (DNS)",
  },
  unreachable: {
    message: 'Foreman could not be reached: its network is unreachable',
    explanation: "FOREMAN_URL's host cannot be reached (no route to it)",
  },
  timeout: {
    message: 'Foreman did not answer in time',
    explanation: 'Foreman did not accept the connection or answer in time',
  },
  reset: {
    message: 'Foreman closed the connection before answering',
    explanation:
      'Foreman closed the connection without answering (is FOREMAN_URL http:// on a port that speaks HTTPS?)',
  },
  network: {
    message: 'Foreman could not be reached',
    explanation: 'Foreman could not be reached',
  },
} as const satisfies Partial<Record<UpstreamCause, { message: string; explanation: string }>>;

export type ConnectionCause = keyof typeof CONNECTION_CAUSES;

/** What an operator reads in the log, and an orchestrator in `/readyz`, for the other causes. */
const EXPLANATIONS: Record<Exclude<UpstreamCause, ConnectionCause>, string> = {
  cancelled: 'the call to Foreman was cancelled',
  not_foreman:
    "what answers at FOREMAN_URL is not Foreman's API (check its scheme, host, port and path prefix)",
  service_account_refused:
    "Foreman refuses the gateway's service account: check FOREMAN_USERNAME and FOREMAN_PASSWORD",
  foreman_error: 'Foreman answered an error',
  invalid_response: "Foreman's answer could not be read",
  database_inactive: "Foreman's database is not active",
};

/** The client-facing message of a connection failure: what happened, never where. */
export function connectionFailureMessage(cause: ConnectionCause): string {
  return CONNECTION_CAUSES[cause].message;
}

/** The operator's explanation of a cause (for logs and `/readyz`: it names no address). */
export function explainCause(cause: UpstreamCause): string {
  return isConnectionCause(cause) ? CONNECTION_CAUSES[cause].explanation : EXPLANATIONS[cause];
}

function isConnectionCause(cause: UpstreamCause): cause is ConnectionCause {
  return Object.hasOwn(CONNECTION_CAUSES, cause);
}

const CERTIFICATE_CODES =
  /^(ERR_TLS_CERT_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(GET_ISSUER|VERIFY|DECRYPT|DECODE)|INVALID_CA$|HOSTNAME_MISMATCH$|PATH_LENGTH_EXCEEDED$|INVALID_PURPOSE$)/;
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;
const CODES: Record<string, ConnectionCause> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NODATA: 'dns',
  EAI_NONAME: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
};

/**
 * The cause of a failed connection or exchange, read from the error's code (Node's and OpenSSL's,
 * and undici's), through its `cause` chain and, for a connection tried on several addresses,
 * each address's error.
 */
export function connectionFailureCause(error: unknown): ConnectionCause {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  let fallback: ConnectionCause = 'network';
  while (pending.length > 0) {
    const next = pending.shift();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    const { code, name, cause, errors } = next as {
      code?: unknown;
      name?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string') {
      if (CERTIFICATE_CODES.test(code)) return 'certificate';
      if (TLS_CODES.test(code)) return 'tls';
      const known = CODES[code];
      // A reset can be the end of a refused handshake: a deeper, more precise cause wins.
      if (known && known !== 'reset') return known;
      if (known) fallback = known;
    }
    // AbortSignal.timeout's reason.
    if (name === 'TimeoutError') return 'timeout';
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return fallback;
}
