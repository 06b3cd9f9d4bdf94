import { request as httpRequest } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, startDemoUpstream } from '../../src/demo/index.js';
import { basic, type CallOptions, call, type Envelope, useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream();
beforeEach(() => {
  demo.upstream.clearFaults();
  demo.upstream.resetRequests();
});

const get = <T = Record<string, unknown>>(path: string, options: CallOptions = {}) =>
  demo.call<T>(path, options);

describe('request recording', () => {
  it('records method, path, decoded query, login, status and lower-cased headers', async () => {
    await get('/api/compute_resources/2/images?search=id%20%5E%20(1%2C2)&per_page=2', {
      headers: { 'X-Request-Id': 'req-42', 'Accept-Language': 'en' },
    });
    await get('/api/architectures', { as: null });
    expect(demo.upstream.requests).toHaveLength(2);
    const [first, second] = demo.upstream.requests;
    expect(first).toMatchObject({
      method: 'GET',
      path: '/api/compute_resources/2/images',
      query: { search: 'id ^ (1,2)', per_page: '2' },
      login: 'admin',
      status: 200,
    });
    expect(first?.headers['x-request-id']).toBe('req-42');
    expect(first?.headers['accept-language']).toBe('en');
    expect(first?.body).toBeUndefined();
    expect(second).toMatchObject({ path: '/api/architectures', login: null, status: 401 });
  });

  it('records parsed JSON bodies of writes', async () => {
    await get('/api/compute_resources/1/images', {
      method: 'POST',
      json: { image: { name: 'x' } },
    });
    const [record] = demo.upstream.requests;
    expect(record).toMatchObject({ method: 'POST', status: 422 });
    expect(record?.headers['content-type']).toBe('application/json');
    expect(record?.body).toEqual({ image: { name: 'x' } });
  });

  it('empties the list on resetRequests without replacing it', async () => {
    const list = demo.upstream.requests;
    await get('/api/status');
    demo.upstream.resetRequests();
    expect(list).toHaveLength(0);
    await get('/api/status');
    expect(list).toHaveLength(1);
  });
});

describe('fault injection', () => {
  it('answers 502/503/504 with a proxy HTML page, once by default', async () => {
    demo.upstream.injectFault({ path: '/api/architectures', status: 503 });
    const faulted = await get('/api/architectures');
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get('content-type')).toMatch(/^text\/html/);
    expect(faulted.text).toContain('<title>503 Service Unavailable</title>');
    const normal = await get<Envelope<unknown>>('/api/architectures');
    expect(normal.status).toBe(200);
    expect(demo.upstream.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  it('answers other statuses with a Foreman JSON error, or the given body and headers', async () => {
    demo.upstream.injectFault({ status: 500 });
    const plain = await get('/api/status');
    expect(plain.status).toBe(500);
    expect(plain.json).toEqual({ error: { message: 'Internal Server Error' } });
    demo.upstream.injectFault({
      method: 'GET',
      path: /\/images$/,
      status: 429,
      body: '{"error":"slow down"}',
      headers: { 'Retry-After': '1' },
    });
    const custom = await get('/api/compute_resources/1/images');
    expect(custom.status).toBe(429);
    expect(custom.json).toEqual({ error: 'slow down' });
    expect(custom.headers.get('retry-after')).toBe('1');
    expect(custom.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('echoes the request id on Foreman-style faults, not on the proxy page', async () => {
    demo.upstream.injectFault({ path: '/api/status', status: 500 });
    demo.upstream.injectFault({ path: '/api/status', status: 502 });
    const headers = { 'X-Request-Id': 'fault-1' };
    expect((await get('/api/status', { headers })).headers.get('x-request-id')).toBe('fault-1');
    expect((await get('/api/status', { headers })).headers.get('x-request-id')).toBeNull();
  });

  it('matches by method and path, applies a rule `times` times, and clears', async () => {
    demo.upstream.injectFault({ method: 'POST', status: 502 });
    demo.upstream.injectFault({ path: '/api/status', status: 504, times: 2 });
    expect((await get('/api/architectures')).status).toBe(200);
    expect((await get('/api/status')).status).toBe(504);
    expect((await get('/api/v2/status')).status).toBe(200);
    expect((await get('/api/status')).status).toBe(504);
    expect((await get('/api/status')).status).toBe(200);
    demo.upstream.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
    expect((await get('/api/status')).status).toBe(500);
    expect((await get('/api/status')).status).toBe(500);
    demo.upstream.clearFaults();
    expect((await get('/api/status')).status).toBe(200);
    expect(
      (await get('/api/compute_resources/1/images', { method: 'POST', json: {} })).status,
    ).toBe(422);
  });

  it('drops the connection without answering, recording status 0', async () => {
    demo.upstream.injectFault({ path: '/api/status', drop: true });
    await expect(get('/api/status')).rejects.toThrow();
    expect(demo.upstream.requests.at(-1)).toMatchObject({ path: '/api/status', status: 0 });
    expect((await get('/api/status')).status).toBe(200);
  });

  it('delays, then answers normally or with the fault status', async () => {
    demo.upstream.injectFault({ path: '/api/status', delayMs: 150 });
    let started = performance.now();
    expect((await get('/api/status')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    demo.upstream.injectFault({ path: '/api/status', delayMs: 100, status: 503 });
    started = performance.now();
    expect((await get('/api/status')).status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});

describe('server lifecycle', () => {
  it('adds latencyMs before every answer', async () => {
    const slow = await startDemoUpstream({ latencyMs: 120 });
    try {
      const started = performance.now();
      const response = await call(slow, '/api/status', { defaultUser: DEMO_ADMIN });
      expect(response.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    } finally {
      await slow.close();
    }
  });

  it('answers HEAD like GET without a body', async () => {
    const response = await get('/api/architectures', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it('closes promptly despite an idle keep-alive socket and a delayed request', async () => {
    const local = await startDemoUpstream();
    const { hostname, port } = new URL(local.url);
    const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
      const headers = { authorization: basic(DEMO_ADMIN), connection: 'keep-alive' };
      const req = httpRequest({ hostname, port, path: '/api/status', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers['keep-alive'])));
      });
      req.on('error', reject);
      req.end();
    });
    // Clients keep sockets for 10 s; the server announces (and keeps) 65 s.
    expect(keepAlive).toBe('timeout=65');
    local.injectFault({ delayMs: 10_000 });
    const pending = call(local, '/api/status', { defaultUser: DEMO_ADMIN }).catch(() => 'failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await local.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await pending).toBe('failed');
  });
});
