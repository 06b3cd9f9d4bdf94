import type { DemoUpstream } from '../src/demo/index.js';
import { type ClientWorker, startClientWorker } from './client.js';
import type { BenchConfig } from './config.js';
import { type GatewayProcess, sampleMemory, startGatewayProcess } from './gateway-process.js';
import {
  type GatewayLoadResult,
  type LoopLoadResult,
  loadGateway,
  unloadedLatency,
} from './load.js';
import type { Plan } from './plan.js';
import { postQuery } from './plan.js';
import type { ReferenceQuery } from './queries.js';
import { ADMIN_AUTHORIZATION, describeCall } from './rest.js';
import { countUpstream, settle, startDemo } from './upstream.js';

export interface QueryResult {
  id: string;
  title: string;
  requests: {
    /** Upstream requests of one gateway execution (demo.requests). */
    batched: number;
    /** Upstream requests of one run of the naive model. */
    naive: number;
    /** The calls differ from the planning run's (same count expected; order may vary). */
    differsFromPlan: boolean;
    /** Upstream requests per GraphQL request sent during the gateway's load run. */
    underLoad: number;
  };
  /** Median ms of a few sequential executions with no other load. */
  unloaded: { gateway: number; direct: number; naive: number };
  gateway: GatewayLoadResult;
  direct: LoopLoadResult;
  naive: LoopLoadResult;
  rss?: { peakRssKiB: number; load: GatewayLoadResult };
}

export interface LatencyRun {
  latencyMs: number;
  queries: QueryResult[];
  /** The gateway process after start-up and after everything (VmHWM: its peak over the run). */
  memory: { startRssKiB?: number; endHwmKiB?: number };
  gatewayOutput: string;
}

type Progress = (line: string) => void;

/** Sequential executions per side for the no-load latency (odd, so the median is one of them). */
const UNLOADED_RUNS = 5;
/** Fewer for the naive model: one R3 takes over a second at 20 ms. */
const UNLOADED_NAIVE_RUNS = 3;

/**
 * One full pass at one upstream latency: a fresh demo in this process, the gateway as a child
 * process pointed at it, then per query the request counts, the three load runs (gateway, direct
 * replay, naive model) and the 100-connection RSS run.
 */
export async function measureLatency(
  latencyMs: number,
  plan: Plan,
  config: BenchConfig,
  progress: Progress,
): Promise<LatencyRun> {
  const demo = await startDemo(latencyMs);
  let gateway: GatewayProcess | undefined;
  // The direct replay and the naive model run on a worker thread with a pool like the gateway's
  // own (same options, same sockets): like the gateway, they get a core apart from the demo's.
  const client: ClientWorker = startClientWorker({
    demoUrl: demo.url,
    upstreamConnections: config.upstreamConnections,
    perQueryConcurrency: config.perQueryConcurrency,
    calls: plan.calls,
    entityImageIds: plan.entityImageIds,
  });
  try {
    gateway = await startGatewayProcess(demo.url, config.gatewayEntry);
    const gatewayUrl = gateway.url;
    progress(`latency ${latencyMs} ms: gateway pid ${gateway.pid} at ${gatewayUrl}`);
    const startRssKiB = gateway.memory()?.rssKiB;
    const results: QueryResult[] = [];
    for (const query of plan.queries) {
      const counts = await countRequests(demo, gatewayUrl, query, plan, client);
      progress(`  ${query.id}: ${counts.batched} upstream requests batched, ${counts.naive} naive`);

      const gatewayRun = (connections: number, durationS: number) =>
        loadGateway(gatewayUrl, query, {
          connections,
          durationS,
          authorization: ADMIN_AUTHORIZATION,
        });

      if (config.warmupS > 0) await gatewayRun(config.connections, config.warmupS);
      await settle(() => demo.requests.length);
      demo.resetRequests();
      const upstream = countUpstream(demo);
      const gatewayResult = await gatewayRun(config.connections, config.durationS);
      await settle(upstream.total);
      const upstreamCalls = upstream.stop();
      progress(`  ${query.id}: gateway ${formatRun(gatewayResult)}`);

      // The demo keeps every request it records: the counter empties it while the client loads.
      const loop = async (side: 'direct' | 'naive', durationS: number) => {
        const drain = countUpstream(demo);
        try {
          return await client.load(side, query.id, config.connections, durationS);
        } finally {
          drain.stop();
        }
      };
      if (config.warmupS > 0) await loop('direct', config.warmupS);
      const directResult = await loop('direct', config.durationS);
      progress(`  ${query.id}: direct  ${formatRun(directResult)}`);

      // No separate warm-up: the count run above and the direct replay just before warmed the
      // same thread, pool and demo, and a naive query can take seconds at 20 ms.
      const naiveResult = await loop('naive', config.durationS);
      progress(`  ${query.id}: naive   ${formatRun(naiveResult)}`);

      // After the load runs: every side is warm, so this is a service time, not a cold start.
      const unloaded = {
        gateway: await unloadedLatency(() => postQuery(gatewayUrl, query), UNLOADED_RUNS),
        direct: await client.unloaded('direct', query.id, UNLOADED_RUNS),
        naive: await client.unloaded('naive', query.id, UNLOADED_NAIVE_RUNS),
      };
      demo.resetRequests();
      progress(
        `  ${query.id}: unloaded p50 gateway ${unloaded.gateway.toFixed(1)} ms, direct ${unloaded.direct.toFixed(1)} ms, naive ${unloaded.naive.toFixed(1)} ms`,
      );

      results.push({
        id: query.id,
        title: query.title,
        requests: {
          ...counts,
          underLoad: gatewayResult.sent > 0 ? upstreamCalls / gatewayResult.sent : Number.NaN,
        },
        unloaded,
        gateway: gatewayResult,
        direct: directResult,
        naive: naiveResult,
      });
    }

    if (config.rssConnections > 0) {
      for (const result of results) {
        const query = plan.queries.find((q) => q.id === result.id) as ReferenceQuery;
        const sampler = sampleMemory(gateway);
        const upstream = countUpstream(demo);
        const load = await loadGateway(gateway.url, query, {
          connections: config.rssConnections,
          durationS: config.rssDurationS,
          authorization: ADMIN_AUTHORIZATION,
        });
        const memory = sampler.stop();
        await settle(upstream.total);
        upstream.stop();
        if (memory) result.rss = { peakRssKiB: memory.peakRssKiB, load };
        progress(
          `  ${result.id}: ${config.rssConnections} connections, peak RSS ${
            memory ? `${(memory.peakRssKiB / 1024).toFixed(0)} MiB` : 'n/a'
          }, ${formatRun(load)}`,
        );
      }
    }
    const endHwmKiB = gateway.memory()?.hwmKiB;
    return {
      latencyMs,
      queries: results,
      memory: {
        ...(startRssKiB !== undefined ? { startRssKiB } : {}),
        ...(endHwmKiB !== undefined ? { endHwmKiB } : {}),
      },
      gatewayOutput: gateway.output(),
    };
  } finally {
    await gateway?.stop();
    await client.close();
    await demo.close();
  }
}

/**
 * Upstream requests of ONE execution of each side, read from demo.requests. Also checks the
 * gateway still answers correctly and makes the calls the plan recorded (the replay is only
 * honest if it replays what this gateway does).
 */
async function countRequests(
  demo: DemoUpstream,
  gatewayUrl: string,
  query: ReferenceQuery,
  plan: Plan,
  client: ClientWorker,
): Promise<{ batched: number; naive: number; differsFromPlan: boolean }> {
  demo.resetRequests();
  const response = await postQuery(gatewayUrl, query);
  const problem = query.check(response);
  if (problem) throw new Error(`${query.id} is not answered as expected: ${problem}`);
  const made = demo.requests.map(describeCall).sort();
  const planned = (plan.calls[query.id] ?? []).map(describeCall).sort();
  const differsFromPlan = made.join('\n') !== planned.join('\n');

  demo.resetRequests();
  await client.once('naive', query.id);
  const naive = demo.requests.length;
  demo.resetRequests();
  return { batched: made.length, naive, differsFromPlan };
}

function formatRun(run: {
  p50: number;
  p99: number;
  perSecond: number;
  completed: number;
  errors: number;
}): string {
  return `p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ${run.perSecond.toFixed(1)}/s (${run.completed} ok, ${run.errors} errors)`;
}
