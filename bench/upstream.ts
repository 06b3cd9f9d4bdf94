import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DemoUpstream,
  type DemoUpstreamOptions,
  type RecordedRequest,
  startDemoUpstream,
} from '../src/demo/index.js';
import type { RestCall } from './rest.js';

/** A REST call with its dependency wave: 0 for calls sent first, n+1 for calls sent after a wave-n answer. */
export interface PlannedCall extends RestCall {
  wave: number;
}

/** The demo upstream in the bench's process; like everything the bench starts, on loopback only. */
export function startDemo(options: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  return startDemoUpstream({ ...options, host: '127.0.0.1', port: 0 });
}

/**
 * Records, for every request the demo receives, its dependency wave: one more than the deepest
 * wave among requests already answered when it arrived. With a large added latency the calls of one
 * wave arrive long before any of them is answered, so this recovers the gateway's sequential
 * round trips (list → batched lookups …). The demo only records requests; wrapping the `push`
 * of its array is the one hook available without touching src/.
 */
export function trackWaves(demo: DemoUpstream): {
  planOf(requests: RecordedRequest[]): PlannedCall[];
} {
  const waves = new WeakMap<RecordedRequest, number>();
  const requests = demo.requests;
  const push = requests.push.bind(requests);
  requests.push = (...items: RecordedRequest[]): number => {
    for (const item of items) {
      let wave = 0;
      for (const earlier of requests) {
        if (earlier.status !== 0) wave = Math.max(wave, (waves.get(earlier) ?? 0) + 1);
      }
      waves.set(item, wave);
    }
    return push(...items);
  };
  return {
    planOf: (recorded) =>
      recorded.map((request) => ({
        method: request.method,
        path: request.path,
        query: { ...request.query },
        wave: waves.get(request) ?? 0,
      })),
  };
}

/**
 * Counts upstream requests during a load run. The demo keeps every request it records, which under
 * load would grow to hundreds of thousands of objects in the bench process; the counter empties the
 * list twice a second and keeps the sum instead.
 */
export function countUpstream(demo: DemoUpstream): { total(): number; stop(): number } {
  let total = 0;
  const drain = () => {
    total += demo.requests.length;
    demo.resetRequests();
  };
  drain();
  total = 0;
  const timer = setInterval(drain, 500);
  return {
    total: () => total + demo.requests.length,
    stop: () => {
      clearInterval(timer);
      drain();
      return total;
    },
  };
}

/**
 * Waits until no upstream request has arrived for `quietMs`. autocannon stops at its deadline and
 * drops its sockets, but the gateway finishes the queries already in flight; their upstream calls
 * must neither leak into the next run nor be missing from this one's count.
 */
export async function settle(count: () => number, quietMs = 300, maxMs = 15_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  while (count() !== last && Date.now() < deadline) {
    last = count();
    await sleep(quietMs);
  }
}
