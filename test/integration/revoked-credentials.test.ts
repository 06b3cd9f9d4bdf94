import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER, DEMO_VIEWER_TOKEN } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * A credential that worked can stop working at any moment: a user revokes a personal access
 * token or changes a password. Every 401 it then gets is a failed login against the gateway's
 * address, and Foreman locks that address (every caller behind the gateway) out at 30. The
 * demo revokes tokens while it runs, as Foreman does.
 */

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TOKEN = basicAuth({ login: DEMO_VIEWER.login, password: DEMO_VIEWER_TOKEN });
/** 20 root fields, each its own upstream call: `aN: images(…, search: "name ~ xN")`. */
const TWENTY_CALLS = `{ ${Array.from(
  { length: 20 },
  (_, n) =>
    `a${n}: images(computeResourceId: "1", search: "name ~ x${n}", first: 1) { totalCount }`,
).join('\n')} }`;

function refusedUpstream(h: Harness): number {
  return h.upstream().filter((request) => request.status === 401).length;
}

describe('a credential revoked while in use', () => {
  it('reaches Foreman with at most CREDENTIAL_CONCURRENCY failed logins, then none', async () => {
    harness = await startHarness();
    const h = harness;
    expect(
      (await h.query('{ architectures { totalCount } }', { as: TOKEN })).errors,
    ).toBeUndefined();
    h.demo.accounts.revokeToken(DEMO_VIEWER.login, DEMO_VIEWER_TOKEN);
    h.resetCounts();

    const results = await Promise.all([0, 1, 2].map(() => h.query(TWENTY_CALLS, { as: TOKEN })));
    // Before: 60 failed logins (Foreman locked the gateway out at 30).
    expect(refusedUpstream(h)).toBeGreaterThanOrEqual(1);
    expect(refusedUpstream(h)).toBeLessThanOrEqual(8);
    expect(h.demo.failedLogins('127.0.0.1')).toBe(refusedUpstream(h));
    // Every field is answered, UNAUTHENTICATED, none sent after the refusals.
    expect(h.upstream().length).toBe(refusedUpstream(h));
    for (const result of results) {
      expect(result.errors).toHaveLength(20);
      expect(new Set(result.errors?.map((e) => e.extensions?.code))).toEqual(
        new Set(['UNAUTHENTICATED']),
      );
    }

    // Later requests with it are answered here; the admin is served.
    h.resetCounts();
    const again = await h.query(TWENTY_CALLS, { as: TOKEN });
    expect(again.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(h.upstream()).toEqual([]);
    expect(
      (await h.query('{ architectures { totalCount } }', { as: DEMO_ADMIN })).errors,
    ).toBeUndefined();
  });

  it('holds a credential to its bound however many requests use it at once', async () => {
    harness = await startHarness({ env: { CREDENTIAL_CONCURRENCY: '3' } });
    const h = harness;
    await h.query('{ architectures { totalCount } }', { as: TOKEN });
    h.demo.accounts.revokeToken(DEMO_VIEWER.login, DEMO_VIEWER_TOKEN);
    h.resetCounts();
    await Promise.all(Array.from({ length: 6 }, () => h.query(TWENTY_CALLS, { as: TOKEN })));
    expect(refusedUpstream(h)).toBeLessThanOrEqual(3);
    expect(h.upstream().length).toBe(refusedUpstream(h));
  });

  it('a changed password is the same: its 401s count, and nothing follows them', async () => {
    harness = await startHarness({ env: { CREDENTIAL_CONCURRENCY: '2' } });
    const h = harness;
    const viewer = basicAuth(DEMO_VIEWER);
    await h.query('{ architectures { totalCount } }', { as: viewer });
    h.demo.accounts.changePassword(DEMO_VIEWER.login, 'a-new-password');
    h.resetCounts();
    await Promise.all([0, 1, 2, 3].map(() => h.query(TWENTY_CALLS, { as: viewer })));
    expect(refusedUpstream(h)).toBeLessThanOrEqual(2);
    expect(h.demo.failedLogins('127.0.0.1')).toBe(refusedUpstream(h));
    // The new password is another credential: it goes through at once.
    const renewed = basicAuth({ login: DEMO_VIEWER.login, password: 'a-new-password' });
    expect(
      (await h.query('{ architectures { totalCount } }', { as: renewed })).errors,
    ).toBeUndefined();
  });

  it('many spellings of one revoked credential are one credential', async () => {
    harness = await startHarness();
    const h = harness;
    await h.query('{ architectures { totalCount } }', { as: TOKEN });
    h.demo.accounts.revokeToken(DEMO_VIEWER.login, DEMO_VIEWER_TOKEN);
    h.resetCounts();
    const encoded = TOKEN.slice('Basic '.length);
    const spellings = [TOKEN, `basic ${encoded}`, `BASIC  ${encoded.replace(/=+$/, '')}`];
    await Promise.all(spellings.map((as) => h.query(TWENTY_CALLS, { as })));
    expect(refusedUpstream(h)).toBeLessThanOrEqual(8);
    expect(h.upstream().length).toBe(refusedUpstream(h));
    // What the gateway sends is the one spelling Foreman's SSO::Basic takes (it reads `Basic`).
    expect(new Set(h.upstream().map((r) => r.headers.authorization))).toEqual(new Set([TOKEN]));
  });
});
