import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/foreman/errors.js';
import { parseRetryAfter, retryDelay } from '../../src/foreman/http/retry.js';

const policy = { retries: 2, baseDelayMs: 100, maxDelayMs: 5_000 };

function failure(details: Partial<ConstructorParameters<typeof UpstreamError>[0]>): UpstreamError {
  return new UpstreamError({
    kind: 'http',
    status: 503,
    message: 'x',
    method: 'GET',
    path: '/api/architectures',
    ...details,
  });
}

describe('retryDelay', () => {
  it('retries connection errors, connect timeouts and 502/503/504', () => {
    const always = () => 1;
    expect(retryDelay(policy, 1, failure({ kind: 'network', status: 0 }), always)).toBe(100);
    expect(
      retryDelay(policy, 1, failure({ kind: 'timeout', status: 0, phase: 'connect' }), always),
    ).toBe(100);
    for (const status of [502, 503, 504]) {
      expect(retryDelay(policy, 1, failure({ status }), always)).toBe(100);
    }
  });

  it('does not retry what a retry cannot fix, or what may have reached Foreman', () => {
    for (const status of [400, 401, 403, 404, 422, 500]) {
      expect(retryDelay(policy, 1, failure({ status }))).toBeUndefined();
    }
    expect(
      retryDelay(policy, 1, failure({ kind: 'timeout', status: 0, phase: 'response' })),
    ).toBeUndefined();
    expect(
      retryDelay(policy, 1, failure({ kind: 'invalid_response', status: 200 })),
    ).toBeUndefined();
  });

  it('doubles the ceiling each retry, with full jitter, and stops after the last retry', () => {
    expect(retryDelay(policy, 1, failure({}), () => 0.5)).toBe(50);
    expect(retryDelay(policy, 2, failure({}), () => 0.5)).toBe(100);
    expect(retryDelay(policy, 2, failure({}), () => 0)).toBe(0);
    expect(retryDelay(policy, 3, failure({}), () => 0.5)).toBeUndefined();
  });

  it("waits at least Foreman's Retry-After, but not longer than the maximum", () => {
    expect(retryDelay(policy, 1, failure({ retryAfterMs: 2_000 }), () => 0.5)).toBe(2_000);
    expect(retryDelay(policy, 1, failure({ retryAfterMs: 60_000 }), () => 0.5)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
  });
});
