import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import { type CallOptions, call } from './helpers.js';

let demo: DemoUpstream | undefined;
afterEach(() => demo?.close());

const get = (upstream: DemoUpstream, path: string, options: CallOptions = {}) =>
  call(upstream, path, { ...options, defaultUser: DEMO_ADMIN });

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 2_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A request target that makes "GET <target> HTTP/1.1" exactly `length` bytes long. */
function targetForLine(length: number): string {
  const prefix = '/api/status?pad=';
  return prefix + 'x'.repeat(length - 'GET  HTTP/1.1'.length - prefix.length);
}

describe("Apache's request-line limit", () => {
  it('answers a request line over 8190 bytes with 414, before Rails', async () => {
    demo = await startDemoUpstream({ failedLoginLimit: 1 });
    const fits = await get(demo, targetForLine(8190));
    expect(fits.status).toBe(200);
    const tooLong = await get(demo, targetForLine(8191), { as: null });
    expect(tooLong.status).toBe(414);
    expect(tooLong.headers.get('content-type')).toBe('text/html; charset=iso-8859-1');
    expect(tooLong.headers.get('x-request-id')).toBeNull();
    expect(tooLong.text).toContain('<title>414 Request-URI Too Long</title>');
    expect(tooLong.text).toContain("The requested URL's length exceeds the capacity");
    // No authentication happened, so nothing was counted.
    expect(demo.failedLogins('127.0.0.1')).toBe(0);
    expect(demo.requests.at(-1)).toMatchObject({ status: 414, remoteIp: null, requestId: null });
    expect((await get(demo, '/api/status')).status).toBe(200);
  });

  it('measures the encoded request line', async () => {
    demo = await startDemoUpstream();
    const search = encodeURIComponent('name = "ü"'.repeat(500));
    const response = await get(demo, `/api/compute_resources/1/images?search=${search}`);
    expect(search.length).toBeGreaterThan(8190);
    expect(response.status).toBe(414);
  });
});

describe("Puma's request slots", () => {
  it('processes at most maxConcurrentRequests at once; the rest wait their turn', async () => {
    demo = await startDemoUpstream({ maxConcurrentRequests: 2 });
    demo.injectFault({ path: '/api/status', delayMs: 150, times: Number.POSITIVE_INFINITY });
    const upstream = demo;
    const finished: number[] = [];
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (const n of [0, 1, 2, 3, 4]) {
      pending.push(get(upstream, '/api/status').then(() => void finished.push(n)));
      // One at a time, so the arrival order is known.
      await waitFor(() => upstream.requests.length === n + 1);
    }
    expect(upstream.inFlight).toBe(5);
    await Promise.all(pending);
    // Three rounds of 150 ms: two, two, then one.
    expect(performance.now() - started).toBeGreaterThanOrEqual(440);
    expect(finished).toEqual([0, 1, 2, 3, 4]);
    expect(upstream.peakInFlight).toBe(5);
    expect(upstream.inFlight).toBe(0);
    upstream.resetRequests();
    expect(upstream.peakInFlight).toBe(0);
    await get(upstream, '/api/architectures');
    expect(upstream.peakInFlight).toBe(1);
  });

  it('defaults to 32 slots', async () => {
    demo = await startDemoUpstream();
    demo.injectFault({ path: '/api/status', delayMs: 150, times: Number.POSITIVE_INFINITY });
    const upstream = demo;
    const started = performance.now();
    await Promise.all(Array.from({ length: 33 }, () => get(upstream, '/api/status')));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(upstream.peakInFlight).toBe(33);
  });

  it('never processes a request whose client hung up while it waited', async () => {
    demo = await startDemoUpstream({ maxConcurrentRequests: 1 });
    demo.injectFault({ path: '/api/status', delayMs: 300 });
    const upstream = demo;
    const first = get(upstream, '/api/status');
    await waitFor(() => upstream.requests.length === 1);
    const controller = new AbortController();
    const abandoned = fetch(`${upstream.url}/api/architectures`, {
      headers: { authorization: `Basic ${Buffer.from('admin:changeme').toString('base64')}` },
      signal: controller.signal,
    }).catch(() => 'aborted');
    await waitFor(() => upstream.requests.length === 2);
    controller.abort();
    expect(await abandoned).toBe('aborted');
    const third = get(upstream, '/api/operatingsystems');
    expect((await first).status).toBe(200);
    expect((await third).status).toBe(200);
    expect(upstream.requests.map((r) => [r.path, r.status, r.login])).toEqual([
      ['/api/status', 200, 'admin'],
      ['/api/architectures', 0, null],
      ['/api/operatingsystems', 200, 'admin'],
    ]);
    expect(upstream.inFlight).toBe(0);
  });
});
