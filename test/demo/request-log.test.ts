import { afterEach, describe, expect, it } from 'vitest';
import { RequestLog } from '../../src/demo/http/request-log.js';
import {
  DEFAULT_MAX_RECORDED_REQUESTS,
  DEMO_ADMIN,
  type DemoUpstream,
  type DemoUpstreamOptions,
  MAX_RECORDED_BODY_BYTES,
  type RecordedRequest,
  startDemoUpstream,
} from '../../src/demo/index.js';
import { type CallOptions, call } from './helpers.js';

let demo: DemoUpstream | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function start(options: DemoUpstreamOptions = {}) {
  demo = await startDemoUpstream(options);
  return demo;
}

const send = (upstream: DemoUpstream, path: string, options: CallOptions = {}) =>
  call(upstream, path, { ...options, defaultUser: DEMO_ADMIN });

const recordOf = (path: string): RecordedRequest => ({
  method: 'GET',
  path,
  query: {},
  login: null,
  status: 0,
  headers: {},
  remoteIp: null,
  requestId: null,
});

describe('the bounded request record', () => {
  it('keeps 10,000 requests by default, dropping the oldest', () => {
    const log = new RequestLog();
    for (let i = 0; i <= DEFAULT_MAX_RECORDED_REQUESTS; i += 1) log.add(recordOf(`/r/${i}`));
    expect(log.records).toHaveLength(10_000);
    expect(log.records[0]?.path).toBe('/r/1');
    expect(log.records.at(-1)?.path).toBe('/r/10000');
    expect(log.counts().total).toBe(10_001);
  });

  it('keeps the newest maxRecordedRequests in the same array, and counts every request', async () => {
    const upstream = await start({ maxRecordedRequests: 3 });
    const list = upstream.requests;
    for (const path of ['/api/status', '/api/architectures', '/api/nope', '/api/status']) {
      await send(upstream, path);
    }
    await send(upstream, '/api/status', { as: null });
    expect(upstream.requests).toBe(list);
    expect(list.map((r) => [r.path, r.status])).toEqual([
      ['/api/nope', 404],
      ['/api/status', 200],
      ['/api/status', 401],
    ]);
    expect(upstream.requestCounts()).toEqual({
      total: 5,
      byStatus: { '200': 3, '401': 1, '404': 1 },
      inFlight: 0,
      peakInFlight: 1,
    });
  });

  it('records nothing with 0, yet counts', async () => {
    const upstream = await start({ maxRecordedRequests: 0 });
    await send(upstream, '/api/status');
    expect(upstream.requests).toHaveLength(0);
    expect(upstream.requestCounts().total).toBe(1);
  });

  it('refuses a bad maxRecordedRequests before listening', async () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(startDemoUpstream({ maxRecordedRequests: bad })).rejects.toThrow(
        `maxRecordedRequests must be a non-negative integer, got ${bad}`,
      );
    }
  });

  it('keeps bodies up to 64 KiB parsed, and only the size of larger ones', async () => {
    const upstream = await start();
    const bodyOf = (bytes: number) => {
      const frame = JSON.stringify({ image: { name: '' } });
      return JSON.stringify({ image: { name: 'x'.repeat(bytes - frame.length) } });
    };
    const fits = bodyOf(MAX_RECORDED_BODY_BYTES);
    const tooLarge = bodyOf(MAX_RECORDED_BODY_BYTES + 1);
    expect(Buffer.byteLength(fits)).toBe(65_536);
    for (const body of [fits, tooLarge]) {
      const response = await send(upstream, '/api/compute_resources/1/images', {
        method: 'POST',
        body,
      });
      // The demo still reads the whole body: only the record leaves it out.
      expect(response.status).toBe(422);
    }
    const [kept, omitted] = upstream.requests;
    expect(kept?.body).toEqual(JSON.parse(fits));
    expect(kept?.omittedBodyBytes).toBeUndefined();
    expect(omitted?.body).toBeUndefined();
    expect(omitted?.omittedBodyBytes).toBe(65_537);
  });
});

describe('request counts', () => {
  it('count unanswered connections as status 0 and start over on resetRequests', async () => {
    const upstream = await start();
    upstream.injectFault({ path: '/api/status', drop: true });
    await expect(send(upstream, '/api/status')).rejects.toThrow();
    await send(upstream, '/api/status');
    await expect.poll(() => upstream.requestCounts().byStatus).toEqual({ '0': 1, '200': 1 });
    expect(upstream.requestCounts().total).toBe(2);
    upstream.resetRequests();
    expect(upstream.requestCounts()).toEqual({
      total: 0,
      byStatus: {},
      inFlight: 0,
      peakInFlight: 0,
    });
    expect(upstream.requests).toHaveLength(0);
  });
});
