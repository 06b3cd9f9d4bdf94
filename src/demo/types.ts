import type { DemoStore } from './store.js';
import type { ForemanUi } from './writes/foreman-ui.js';

/** One request as the demo upstream saw it; tests assert upstream traffic with these. */
export interface RecordedRequest {
  method: string;
  /** Pathname as sent, e.g. '/api/compute_resources/2/images'. */
  path: string;
  /** Decoded query parameters; for a repeated key the last value wins, as in Rails. */
  query: Record<string, string>;
  /** Authenticated login, or null when authentication failed or never happened. */
  login: string | null;
  /** Status answered; 0 while in flight and for dropped connections. */
  status: number;
  /** Request headers with lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON body of POST/PUT/PATCH requests, when it parsed. */
  body?: unknown;
  /**
   * Rails' request.remote_ip: the TCP peer, or an X-Forwarded-For/Client-Ip address (see
   * DemoUpstream). Failed logins are counted against it. Null when Rails could not work it out
   * (IP spoofing check) and for requests Apache refused (414).
   */
  remoteIp: string | null;
  /**
   * Rails' request id: the sanitized X-Request-Id, else a random UUID; echoed in the response's
   * X-Request-Id and stored as the request_uuid of the audits the request writes. Null when the
   * request never reached Rails.
   */
  requestId: string | null;
}

/** A fault to inject instead of (or before) the normal answer. */
export interface FaultRule {
  method?: string;
  path?: string | RegExp;
  /** Matching requests the rule applies to; default 1, Infinity allowed. */
  times?: number;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Delay before answering; without `status` the normal answer follows the delay. */
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** Send the headers and half of the body, then wait this long before the rest (a stalled body). */
  bodyStallMs?: number;
}

export interface DemoUpstreamOptions {
  host?: string;
  port?: number;
  /** Added before every answer, inside the request's Puma slot (benchmarks). */
  latencyMs?: number;
  /** Foreman's entries_per_page setting. */
  defaultPerPage?: number;
  /**
   * Foreman's failed_login_attempts_limit setting (default 30): once a remote IP has this many
   * failed authentications within the window, every request from it gets the brute-force 401,
   * valid credentials included. 0 disables the lockout.
   */
  failedLoginLimit?: number;
  /**
   * How long a remote IP's failure count lives after its latest counted failure (default
   * 300000, Foreman's 5 minutes). Blocked requests do not count, so do not extend it.
   */
  failedLoginWindowMs?: number;
  /**
   * Requests processed at once (default 32: Puma's 2 workers × 16 threads). Further requests
   * wait in arrival order; one whose client hangs up while waiting is never processed.
   */
  maxConcurrentRequests?: number;
  /**
   * Read-only accounts to add to the admin and the viewer (default 0): `user1`/`user1`,
   * `user2`/`user2`, … (extraUser(n)), each with the viewer's permissions (view_audit_logs
   * included), taxonomies and timezone. For measuring many callers that share no credentials.
   */
  extraUsers?: number;
}

/**
 * A running demo upstream. The TCP peer is Rails' REMOTE_ADDR; like Rails, the demo also reads
 * X-Forwarded-For and Client-Ip (trusted proxies: 127.0.0.0/8 and ::1, Foreman's default), so a
 * client on loopback can name the IP its requests count against.
 */
export interface DemoUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Empties `requests` and restarts `peakInFlight` from the current `inFlight`. */
  resetRequests(): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  readonly store: DemoStore;
  /** Back to the pristine seed (audits included), and no failed logins counted. */
  resetData(): void;
  /** Failed authentications currently counted against a remote IP (0 once expired). */
  failedLogins(ip: string): number;
  /** Forgets every failed-login count, lifting all lockouts. */
  resetLockouts(): void;
  /** Requests received and not yet answered: processed, waiting for a slot, or sending a body. */
  readonly inFlight: number;
  /** The most requests in flight at once since start or the last resetRequests(). */
  readonly peakInFlight: number;
  /**
   * Changes "someone made in Foreman's UI": image writes with their audit rows, outside HTTP
   * (not in `requests`), and slow transactions whose audits become visible late.
   */
  readonly foremanUi: ForemanUi;
  close(): Promise<void>;
}
