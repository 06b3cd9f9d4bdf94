import type { UpstreamError } from '../errors.js';

/** GET retries: only faults a retry can fix, never a write (Foreman's writes are not idempotent). */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First delay in ms; doubled each retry, with full jitter. */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller. */
  maxDelayMs: number;
}

const RETRYABLE_STATUSES = new Set([502, 503, 504]);

function isRetryable(error: UpstreamError): boolean {
  if (error.kind === 'network') return true;
  // A connect timeout means no request reached Foreman; a headers timeout might have.
  if (error.kind === 'timeout') return error.phase === 'connect';
  return error.kind === 'http' && RETRYABLE_STATUSES.has(error.status);
}

/**
 * Delay before retry number `attempt` (1-based), or undefined when it should not happen.
 * Full jitter spreads retries of many clients; Foreman's Retry-After is a floor.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  error: UpstreamError,
  random: () => number = Math.random,
): number | undefined {
  if (attempt > policy.retries || !isRetryable(error)) return undefined;
  const backoff = random() * policy.baseDelayMs * 2 ** (attempt - 1);
  const delay = Math.max(backoff, error.retryAfterMs ?? 0);
  return delay > policy.maxDelayMs ? undefined : Math.round(delay);
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an IMF-fixdate (`Thu, 01 Jan 2026 00:00:05 GMT`): Date.parse alone accepts "-1".
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed))
    return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
