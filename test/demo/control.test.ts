import { afterEach, describe, expect, it } from 'vitest';
import {
  DEMO_ADMIN,
  DEMO_VIEWER,
  DEMO_VIEWER_TOKEN,
  type DemoUpstream,
  type DemoUpstreamOptions,
  startDemoUpstream,
} from '../../src/demo/index.js';
import { type CallOptions, call } from './helpers.js';

let demo: DemoUpstream | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function start(options: DemoUpstreamOptions = { control: true }) {
  demo = await startDemoUpstream(options);
  return demo;
}

/** A control call: JSON in (if any), status and parsed JSON out. */
async function control(upstream: DemoUpstream, method: string, path: string, body?: unknown) {
  const response = await fetch(`${upstream.url}/__demo/${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : null };
}

const api = (upstream: DemoUpstream, path: string, options: CallOptions = {}) =>
  call(upstream, path, { ...options, defaultUser: DEMO_ADMIN });

describe('the control API', () => {
  it('is an unknown route, 404 and recorded like any other, unless enabled', async () => {
    const upstream = await start({});
    const response = await api(upstream, '/__demo/requests');
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ status: 404, error: 'Not Found' });
    const post = await control(upstream, 'POST', 'reset-data');
    expect(post.status).toBe(404);
    expect(upstream.requests.map((r) => [r.path, r.status])).toEqual([
      ['/__demo/requests', 404],
      ['/__demo/reset-data', 404],
    ]);
  });

  it('reads and resets request counts, without counting itself', async () => {
    const upstream = await start();
    await api(upstream, '/api/status');
    await api(upstream, '/api/status', { as: null });
    await api(upstream, '/api/nope');
    expect(await control(upstream, 'GET', 'requests')).toEqual({
      status: 200,
      json: { total: 3, byStatus: { '200': 1, '401': 1, '404': 1 }, inFlight: 0, peakInFlight: 1 },
    });
    expect(await control(upstream, 'DELETE', 'requests')).toEqual({ status: 204, json: null });
    expect((await control(upstream, 'GET', 'requests')).json).toMatchObject({ total: 0 });
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers while every request slot is taken', async () => {
    const upstream = await start({ control: true, maxConcurrentRequests: 1 });
    upstream.injectFault({ path: '/api/status', delayMs: 60_000 });
    const held = api(upstream, '/api/status').catch(() => null);
    const waiting = api(upstream, '/api/architectures').catch(() => null);
    await expect.poll(() => upstream.inFlight).toBe(2);
    expect((await control(upstream, 'GET', 'requests')).json).toEqual({
      total: 2,
      byStatus: {},
      inFlight: 2,
      peakInFlight: 2,
    });
    await upstream.close();
    await Promise.all([held, waiting]);
  });

  it('injects faults from JSON, RegExp paths as pathPattern, and clears them', async () => {
    const upstream = await start();
    const rule = {
      method: 'GET',
      pathPattern: '/images$',
      status: 503,
      times: 'Infinity',
    };
    expect(await control(upstream, 'POST', 'faults', rule)).toEqual({ status: 204, json: null });
    await control(upstream, 'POST', 'faults', {
      path: '/api/status',
      status: 429,
      body: '{"error":"slow down"}',
      headers: { 'Retry-After': '3' },
    });
    for (let i = 0; i < 3; i += 1) {
      expect((await api(upstream, '/api/compute_resources/1/images')).status).toBe(503);
    }
    const limited = await api(upstream, '/api/status');
    expect([limited.status, limited.json, limited.headers.get('retry-after')]).toEqual([
      429,
      { error: 'slow down' },
      '3',
    ]);
    expect((await api(upstream, '/api/status')).status).toBe(200);
    expect(await control(upstream, 'DELETE', 'faults')).toEqual({ status: 204, json: null });
    expect((await api(upstream, '/api/compute_resources/1/images')).status).toBe(200);
  });

  it('refuses a fault it cannot read, naming the problem, and injects nothing', async () => {
    const upstream = await start();
    const cases: Array<[unknown, string]> = [
      ['{"status": 500', 'the body is not JSON: '],
      [[], 'a fault must be a JSON object'],
      [{ statsu: 500 }, 'unknown fault field "statsu"'],
      [{ pathPattern: '(' }, '"pathPattern" is not a RegExp: '],
      [{ path: '/a', pathPattern: '/a' }, 'give "path" or "pathPattern", not both'],
      [{ times: 0 }, '"times" must be a number of at least 1'],
      [{ times: 1.5 }, '"times" must be an integer'],
      [{ status: 999 }, '"status" must be an HTTP status from 100 to 599'],
      [{ path: /x/.source, drop: 'yes' }, '"drop" must be a boolean'],
      [{ headers: { 'Retry-After': 3 } }, '"headers" must be an object of strings'],
      [{ delayMs: -1 }, '"delayMs" must be a number of at least 0'],
    ];
    for (const [body, message] of cases) {
      const response = await control(upstream, 'POST', 'faults', body);
      expect(response.status, message).toBe(400);
      expect((response.json as { error: { message: string } }).error.message).toContain(message);
    }
    expect((await api(upstream, '/api/status')).status).toBe(200);
  });

  it('changes accounts: a revoked token is a counted failed login', async () => {
    const upstream = await start();
    const viewerToken = { login: DEMO_VIEWER.login, password: DEMO_VIEWER_TOKEN };
    const failedLogins = async () =>
      (await control(upstream, 'GET', 'failed-logins?ip=127.0.0.1')).json;
    expect(
      await control(upstream, 'POST', 'accounts/viewer/revoke-token', { token: DEMO_VIEWER_TOKEN }),
    ).toEqual({
      status: 200,
      json: { revoked: true },
    });
    const stale = await api(upstream, '/api/status', { as: viewerToken });
    expect([stale.status, stale.json]).toEqual([
      401,
      { error: { message: 'Unable to authenticate user viewer' } },
    ]);
    expect(await failedLogins()).toEqual({ ip: '127.0.0.1', failedLogins: 1 });

    await control(upstream, 'POST', 'accounts/viewer/add-token', { token: 'rotated' });
    expect(
      (await api(upstream, '/api/status', { as: { login: 'viewer', password: 'rotated' } })).status,
    ).toBe(200);
    await control(upstream, 'POST', 'accounts/admin/change-password', { password: 'new-secret' });
    expect((await api(upstream, '/api/status')).status).toBe(401);
    expect(await failedLogins()).toEqual({ ip: '127.0.0.1', failedLogins: 2 });
    await control(upstream, 'POST', 'accounts/viewer/disable');
    expect((await api(upstream, '/api/status', { as: DEMO_VIEWER })).json).toEqual({
      error: { message: 'User account is disabled, please contact your administrator' },
    });
    await control(upstream, 'POST', 'accounts/viewer/enable');
    expect((await api(upstream, '/api/status', { as: DEMO_VIEWER })).status).toBe(200);

    expect(await control(upstream, 'DELETE', 'failed-logins')).toEqual({ status: 204, json: null });
    expect(await failedLogins()).toEqual({ ip: '127.0.0.1', failedLogins: 0 });
    expect(await control(upstream, 'POST', 'reset-data')).toEqual({ status: 204, json: null });
    expect((await api(upstream, '/api/status')).status).toBe(200);
    expect((await api(upstream, '/api/status', { as: viewerToken })).status).toBe(200);
  });

  it('answers 404 for unknown logins and routes, 400 for missing fields', async () => {
    const upstream = await start();
    const ghost = await control(upstream, 'POST', 'accounts/ghost/disable');
    expect(ghost).toEqual({ status: 404, json: { error: { message: "no demo user 'ghost'" } } });
    for (const [method, path] of [
      ['GET', 'faults'],
      ['POST', 'accounts/admin/delete'],
      ['GET', 'accounts/admin/disable'],
      ['GET', 'requests/'],
      ['GET', ''],
    ] as const) {
      expect((await control(upstream, method, path)).status, `${method} ${path}`).toBe(404);
    }
    const missing = await control(upstream, 'POST', 'accounts/admin/add-token', { value: 'x' });
    expect(missing).toEqual({
      status: 400,
      json: {
        error: { message: 'the body must be a JSON object with a non-empty string "token"' },
      },
    });
    expect((await control(upstream, 'GET', 'failed-logins')).status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });
});
