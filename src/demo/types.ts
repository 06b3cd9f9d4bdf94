import type { DemoStore } from './store.js';

/** Credentials of one of the demo accounts. */
export interface DemoUser {
  login: string;
  password: string;
}

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
  /** Added before every answer (benchmarks). */
  latencyMs?: number;
  /** Foreman's entries_per_page setting. */
  defaultPerPage?: number;
}

export interface DemoUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  resetRequests(): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  readonly store: DemoStore;
  resetData(): void;
  close(): Promise<void>;
}
