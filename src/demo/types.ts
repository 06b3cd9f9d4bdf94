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
  /**
   * Parsed JSON body of POST/PUT/PATCH requests, when it parsed and was at most 64 KiB
   * (MAX_RECORDED_BODY_BYTES); a larger body is left out and only its size recorded.
   */
  body?: unknown;
  /** The size in bytes of a POST/PUT/PATCH body too large to record (over 64 KiB). */
  omittedBodyBytes?: number;
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
  /**
   * How many requests `requests` keeps (default 10,000): once full, each new request drops the
   * oldest. 0 records none; the counts of requestCounts() cover every request regardless.
   */
  maxRecordedRequests?: number;
  /**
   * Serves the control API under /__demo/ on the same port (see control.ts), to loopback
   * clients only. Off by default: then those paths are unknown routes, 404 like any other.
   */
  control?: boolean;
}

/** What the demo received since start or the last resetRequests(). */
export interface RequestCounts {
  /** Requests received, recorded or not. */
  total: number;
  /**
   * Requests done with, by the status answered ("200": 12, …); "0" counts connections that
   * ended without an answer (a dropped fault, a client that hung up while queued). Requests
   * still in flight are in `total` only.
   */
  byStatus: Record<string, number>;
  inFlight: number;
  peakInFlight: number;
}

/**
 * Account changes made while the demo runs, as Foreman users and admins make them: a revoked
 * personal access token, a new password, a disabled account, a permission taken away. A
 * request with a secret that no longer works gets Foreman's 401 "Unable to authenticate user
 * <login>" and counts as a failed login like any other. A disabled account's right secret still
 * authenticates (no failed login), and authorize then answers 401 "User account is disabled,
 * please contact your administrator".
 * An unknown login throws UnknownDemoUserError; an empty password or token a RangeError.
 * resetData() restores the seeded accounts.
 */
export interface DemoAccountChanges {
  /** A new personal access token, accepted as the Basic password from now on. */
  addToken(login: string, token: string): void;
  /** Revokes a token; false if the user had no such active token. */
  revokeToken(login: string, token: string): boolean;
  /** The old password stops working at once (personal access tokens keep working). */
  changePassword(login: string, newPassword: string): void;
  disable(login: string): void;
  enable(login: string): void;
  /**
   * An administrator takes a permission from the user's roles (`view_audit_logs`, say): from the
   * next request on, Foreman answers 403 where it is needed. An admin has every permission (a
   * RangeError). resetData() gives it back.
   */
  removePermission(login: string, permission: string): void;
}

/**
 * A running demo upstream. The TCP peer is Rails' REMOTE_ADDR; like Rails, the demo also reads
 * X-Forwarded-For and Client-Ip (trusted proxies: 127.0.0.0/8 and ::1, Foreman's default), so a
 * client on loopback can name the IP its requests count against.
 */
export interface DemoUpstream {
  readonly url: string;
  /**
   * The newest requests (at most `maxRecordedRequests`, oldest first), each recorded on arrival
   * and completed when answered. The same array for the upstream's whole life.
   */
  readonly requests: RecordedRequest[];
  /** Counts since start or the last resetRequests(), unbounded by `maxRecordedRequests`. */
  requestCounts(): RequestCounts;
  /**
   * Empties `requests`, zeroes the counts and restarts `peakInFlight` from the current
   * `inFlight`.
   */
  resetRequests(): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  readonly store: DemoStore;
  /**
   * Back to the pristine seed (audits included), the seeded accounts (passwords, tokens, all
   * enabled), and no failed logins counted.
   */
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
  /** Passwords, tokens and disabled flags, changed while the demo runs. */
  readonly accounts: DemoAccountChanges;
  close(): Promise<void>;
}
