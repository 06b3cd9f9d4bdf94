import autocannon from 'autocannon';
import type { ReferenceQuery } from './queries.js';
import { type LoadStats, summarize } from './stats.js';

export interface GatewayLoadResult extends LoadStats {
  /** Requests sent, including those still in flight at the deadline (the gateway finishes them). */
  sent: number;
  /** autocannon's own counters: what went wrong under load. */
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses whose body carried GraphQL `errors` (autocannon "mismatches"). */
  graphqlErrors: number;
  statusCodes: Record<string, number>;
  /** autocannon's own figures, for cross-checking ours (its histogram has 1 ms resolution). */
  autocannon: { p50: number; p99: number; averagePerSecond: number };
  firstError?: string;
}

export interface LoopLoadResult extends LoadStats {
  errors: number;
  firstError?: string;
}

/**
 * The gateway under autocannon: `connections` keep-alive clients each POST the query, wait for the
 * answer and POST again (closed loop). Latencies are taken from autocannon's `response` events at
 * full precision, so they are computed exactly as the direct and naive sides' are.
 */
export async function loadGateway(
  gatewayUrl: string,
  query: ReferenceQuery,
  options: { connections: number; durationS: number; authorization: string },
): Promise<GatewayLoadResult> {
  const latencies: number[] = [];
  let firstError: string | undefined;
  const instance = autocannon({
    url: `${gatewayUrl}/graphql`,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: options.authorization,
    },
    body: JSON.stringify(query.body),
    connections: options.connections,
    duration: options.durationS,
    timeout: 30,
    // A 200 with `errors` is still a failed query for a client.
    verifyBody: (body) => !body.includes('"errors":'),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  instance.on('reqError', (error) => {
    firstError ??= error.message;
  });
  const result = await instance;
  const stats = summarize(latencies, result.duration);
  return {
    ...stats,
    sent: result.requests.sent,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    graphqlErrors: result.mismatches,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
    autocannon: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      averagePerSecond: result.requests.average,
    },
    ...(firstError ? { firstError } : {}),
  };
}

/**
 * The same closed loop for work that is not one HTTP request (a direct replay, the naive model):
 * `concurrency` workers each run `unit` back to back until `durationS` has passed. Unlike
 * autocannon, a unit started before the deadline is awaited and counted, and the window is
 * stretched to the last one's end: a naive query can take longer than the whole window, and
 * dropping it would leave nothing to measure. For units far shorter than the window (the direct
 * replays) the two ways agree.
 */
export async function loadLoop(
  /** One unit of work; `worker` (0 … concurrency − 1) says which worker runs it. */
  unit: (worker: number) => Promise<void>,
  options: { concurrency: number; durationS: number },
): Promise<LoopLoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.durationS * 1000;
  let lastEnd = deadline;
  const worker = async (_: unknown, index: number) => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      try {
        await unit(index);
        latencies.push(performance.now() - begin);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      lastEnd = Math.max(lastEnd, performance.now());
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return {
    ...summarize(latencies, (lastEnd - started) / 1000),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/**
 * Latency of one query with nothing else running: the median of `times` sequential executions
 * (after the count run, so nothing is cold).
 */
export async function unloadedLatency(
  unit: () => Promise<unknown>,
  times: number,
): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < times; i++) {
    const begin = performance.now();
    await unit();
    latencies.push(performance.now() - begin);
  }
  return summarize(latencies, 0).p50;
}
