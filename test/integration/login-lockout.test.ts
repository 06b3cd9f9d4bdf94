import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * Foreman locks a client address out after 30 failed logins in 5 minutes, valid credentials
 * included, and behind the gateway every caller shares the gateway's address. The demo upstream
 * does the same, so these tests count the failed logins that reach it.
 */

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const STALE = basicAuth({ login: 'admin', password: 'last-years-password' });
const wrong = (n: number) => basicAuth({ login: 'admin', password: `wrong-${n}` });
/** Two root fields: before, each sent its own failed login. */
const TWO_FIELDS = '{ architectures { totalCount } operatingSystems { totalCount } }';

function failedLogins(ip = '127.0.0.1'): number {
  return (harness as Harness).demo.failedLogins(ip);
}

describe('one caller never locks every caller out of Foreman', () => {
  it('40 concurrent requests with a stale password cost Foreman one failed login', async () => {
    harness = await startHarness();
    const h = harness;
    const results = await Promise.all(
      Array.from({ length: 40 }, () => h.query(TWO_FIELDS, { as: STALE })),
    );
    for (const result of results) {
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual([
        'UNAUTHENTICATED',
        'UNAUTHENTICATED',
      ]);
    }
    expect(failedLogins()).toBe(1);
    // Later requests with it are answered here, with no upstream call.
    h.resetCounts();
    const again = await h.query(TWO_FIELDS, { as: STALE });
    expect(again.errors?.[0]?.message).toMatch(/refused these credentials moments ago/);
    expect(h.upstream()).toEqual([]);
    // The admin with the right password is served; a corrected password goes through at once.
    expect((await h.query(TWO_FIELDS, { as: DEMO_ADMIN })).errors).toBeUndefined();
    expect((await h.query(TWO_FIELDS, { as: DEMO_VIEWER })).errors).toBeUndefined();
  });

  it('past its budget a client is refused locally with Retry-After; others are not', async () => {
    harness = await startHarness({
      env: { TRUSTED_PROXIES: '127.0.0.1', CLIENT_FAILED_LOGIN_LIMIT: '3' },
    });
    const attacker = { 'x-forwarded-for': '198.51.100.9' };
    for (let n = 0; n < 3; n++) {
      const result = await harness.query('{ architectures { totalCount } }', {
        as: wrong(n),
        headers: attacker,
      });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(failedLogins()).toBe(3);

    harness.resetCounts();
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: wrong(99), ...attacker },
      body: JSON.stringify({ query: '{ architectures { totalCount } }' }),
    });
    const body = (await response.json()) as {
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
    expect(body.errors[0]?.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'failedLogins',
      retryAfter: expect.any(Number),
    });
    expect(body.errors[0]?.message).toMatch(/Too many failed logins from your address/);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(200);
    expect(harness.upstream()).toEqual([]);
    expect(failedLogins()).toBe(3);

    // Another client, and the attacker's own good credentials, are still served.
    const other = await harness.query('{ architectures { totalCount } }', {
      as: DEMO_VIEWER,
      headers: { 'x-forwarded-for': '198.51.100.10' },
    });
    expect(other.errors).toBeUndefined();
  });

  it('the budget for all clients together stays below Foreman’s 30, so a known admin stays served', async () => {
    harness = await startHarness({ env: { TRUSTED_PROXIES: '127.0.0.1' } });
    expect((await harness.query(TWO_FIELDS, { as: DEMO_ADMIN })).errors).toBeUndefined();
    const h = harness;
    // 40 clients, each with a different wrong password.
    const attempts = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        h.query('{ architectures { totalCount } }', {
          as: wrong(n),
          headers: { 'x-forwarded-for': `198.51.100.${n + 1}` },
        }),
      ),
    );
    const codes = attempts.map((a) => a.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(20);
    expect(codes.filter((c) => c === 'LIMIT_EXCEEDED')).toHaveLength(20);
    expect(failedLogins()).toBe(20);
    expect((await h.query(TWO_FIELDS, { as: DEMO_ADMIN })).errors).toBeUndefined();
  });

  it('once Foreman itself says "Too many tries", nothing more is sent until its window passes', async () => {
    harness = await startHarness({ demo: { failedLoginLimit: 3 } });
    // Someone else, from the gateway's address, spent Foreman's budget.
    for (let n = 0; n < 3; n++) {
      await fetch(`${harness.demo.url}/api/architectures`, {
        headers: { authorization: wrong(n) },
      });
    }
    const locked = await harness.query('{ architectures { totalCount } }', { as: DEMO_ADMIN });
    expect(locked.errors?.[0]?.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'failedLogins',
    });
    expect(locked.errors?.[0]?.message).toMatch(/brute-force protection/);
    harness.resetCounts();
    const later = await harness.query('{ architectures { totalCount } }', { as: DEMO_ADMIN });
    expect(later.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
    expect(harness.upstream()).toEqual([]);
  });

  it('with FOREMAN_FORWARD_CLIENT_ADDRESS, Foreman counts each client on its own', async () => {
    harness = await startHarness({
      env: { TRUSTED_PROXIES: '127.0.0.1', FOREMAN_FORWARD_CLIENT_ADDRESS: 'true' },
    });
    await harness.query('{ architectures { totalCount } }', {
      as: wrong(1),
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(failedLogins('203.0.113.7')).toBe(1);
    expect(failedLogins('127.0.0.1')).toBe(0);
    expect(harness.upstream()[0]?.headers['x-forwarded-for']).toBe('203.0.113.7');
  });

  it('X-Forwarded-For from an untrusted peer is ignored', async () => {
    harness = await startHarness({ env: { CLIENT_FAILED_LOGIN_LIMIT: '2' } });
    for (let n = 0; n < 2; n++) {
      await harness.query('{ architectures { totalCount } }', {
        as: wrong(n),
        headers: { 'x-forwarded-for': `198.51.100.${n + 1}` },
      });
    }
    // Both came from 127.0.0.1 whatever they claimed: that address's budget is spent.
    const third = await harness.query('{ architectures { totalCount } }', {
      as: wrong(3),
      headers: { 'x-forwarded-for': '198.51.100.3' },
    });
    expect(third.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
  });
});
