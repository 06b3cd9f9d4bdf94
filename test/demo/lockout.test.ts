import { afterEach, describe, expect, it } from 'vitest';
import { BruteforceProtection } from '../../src/demo/http/bruteforce-protection.js';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import { type CallOptions, call } from './helpers.js';

const LOCKED = { error: { message: 'Too many tries, please try again in a few minutes.' } };
const WRONG = { login: 'admin', password: 'wrong' };

let demo: DemoUpstream | undefined;
afterEach(() => demo?.close());

async function start(options: Parameters<typeof startDemoUpstream>[0] = {}) {
  demo = await startDemoUpstream(options);
  return demo;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const from = (ip: string, options: CallOptions = {}): CallOptions => ({
  ...options,
  headers: { 'X-Forwarded-For': ip, ...options.headers },
});

async function get(upstream: DemoUpstream, options: CallOptions = {}, path = '/api/status') {
  return call(upstream, path, { ...options, defaultUser: DEMO_ADMIN });
}

describe('failed-login lockout (Foreman::BruteforceProtection)', () => {
  it('locks an IP after 30 failures, then refuses even valid credentials', async () => {
    const upstream = await start();
    for (let i = 0; i < 29; i += 1) {
      const as = i % 3 === 0 ? null : i % 3 === 1 ? WRONG : { login: 'ghost', password: 'x' };
      expect((await get(upstream, { as })).status).toBe(401);
    }
    expect(upstream.failedLogins('127.0.0.1')).toBe(29);
    expect((await get(upstream)).status).toBe(200);
    const last = await get(upstream, { as: WRONG });
    expect(last.json).toEqual({ error: { message: 'Unable to authenticate user admin' } });
    expect(upstream.failedLogins('127.0.0.1')).toBe(30);
    upstream.resetRequests();
    const locked = await get(upstream);
    expect(locked.status).toBe(401);
    expect(locked.json).toEqual(LOCKED);
    expect(locked.headers.get('foreman_version')).toBeNull();
    expect(locked.headers.get('x-request-id')).not.toBeNull();
    expect(upstream.requests[0]).toMatchObject({ status: 401, login: null });
    // Blocked requests are not failures: the count (and its expiry) stays put.
    await get(upstream, { as: WRONG });
    expect(upstream.failedLogins('127.0.0.1')).toBe(30);
  });

  it('counts per remote_ip, so a forwarded client locks only itself', async () => {
    const upstream = await start({ failedLoginLimit: 2 });
    await get(upstream, from('203.0.113.7', { as: null }));
    await get(upstream, from('203.0.113.7', { as: WRONG }));
    expect(upstream.failedLogins('203.0.113.7')).toBe(2);
    expect(upstream.failedLogins('127.0.0.1')).toBe(0);
    expect((await get(upstream, from('203.0.113.7'))).json).toEqual(LOCKED);
    expect((await get(upstream, from('198.51.100.1'))).status).toBe(200);
    expect((await get(upstream)).status).toBe(200);
  });

  it('does not count what never reaches authorize: unknown routes and malformed JSON', async () => {
    const upstream = await start({ failedLoginLimit: 1 });
    expect((await get(upstream, { as: null }, '/api/images')).status).toBe(404);
    const malformed = await get(
      upstream,
      { as: null, method: 'POST', body: '{' },
      '/api/compute_resources/1/images',
    );
    expect(malformed.status).toBe(400);
    expect(upstream.failedLogins('127.0.0.1')).toBe(0);
    expect((await get(upstream)).status).toBe(200);
  });

  it('is lifted by resetLockouts and resetData, and disabled by a limit of 0', async () => {
    const upstream = await start({ failedLoginLimit: 1 });
    await get(upstream, { as: null });
    expect((await get(upstream)).json).toEqual(LOCKED);
    upstream.resetLockouts();
    expect((await get(upstream)).status).toBe(200);
    await get(upstream, { as: null });
    upstream.resetData();
    expect(upstream.failedLogins('127.0.0.1')).toBe(0);
    expect((await get(upstream)).status).toBe(200);
    await upstream.close();
    const unlimited = await start({ failedLoginLimit: 0 });
    for (let i = 0; i < 40; i += 1) await get(unlimited, { as: null });
    expect(unlimited.failedLogins('127.0.0.1')).toBe(40);
    expect((await get(unlimited)).status).toBe(200);
  });

  it('expires a window after the latest counted failure', async () => {
    const upstream = await start({ failedLoginLimit: 2, failedLoginWindowMs: 400 });
    await get(upstream, { as: null });
    await sleep(250);
    await get(upstream, { as: null });
    // 500 ms after the first failure: the second one renewed the expiry.
    await sleep(250);
    expect((await get(upstream)).json).toEqual(LOCKED);
    await sleep(200);
    expect(upstream.failedLogins('127.0.0.1')).toBe(0);
    expect((await get(upstream)).status).toBe(200);
  });
});

describe('BruteforceProtection', () => {
  it('renews the expiry on each failure and forgets expired counts', () => {
    let now = 0;
    const protection = new BruteforceProtection({ limit: 3, windowMs: 100, now: () => now });
    protection.countFailure('a');
    now = 90;
    protection.countFailure('a');
    now = 180;
    expect(protection.failures('a')).toBe(2);
    protection.countFailure('a');
    expect(protection.blocked('a')).toBe(true);
    expect(protection.blocked('b')).toBe(false);
    now = 280;
    expect(protection.failures('a')).toBe(0);
    expect(protection.blocked('a')).toBe(false);
  });
});
