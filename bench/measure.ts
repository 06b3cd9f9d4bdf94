import { isDeepStrictEqual } from 'node:util';
import type { DemoUpstream } from '../src/demo/index.js';
import { type Client, type Side, startClient } from './client.js';
import type { BenchConfig } from './config.js';
import { type ServerProcess, startFloorProcess, startGatewayProcess } from './foreman-process.js';
import { ADMIN } from './http.js';
import {
  type GatewayLoadResult,
  type LoopLoadResult,
  loadGateway,
  unloadedLatency,
} from './load.js';
import type { Plan } from './plan.js';
import { postQuery } from './plan.js';
import { type CpuUse, measureCpu, sampleMemory } from './proc.js';
import type { ReferenceQuery } from './queries.js';
import { describeCall } from './rest.js';
import { countUpstream, settle, startDemo } from './upstream.js';
import type { GatewayVariant } from './variants.js';

/** One autocannon run against a server process, with what that process used meanwhile. */
export interface ServerLoadResult extends GatewayLoadResult {
  /** Upstream requests during the run per request sent (the gateway finishes abandoned ones). */
  upstreamPerRequest: number;
  /** The process's CPU during the measured run (not the warm-up). */
  cpu?: CpuUse;
  /** The bench process's own (autocannon and the demo) over the same run. */
  benchCpu?: CpuUse;
  /** Largest VmRSS sampled every 50 ms during the run and its warm-up, in KiB. */
  peakRssKiB?: number;
}

/** The direct replay or the naive model under load, with the client process's CPU. */
export interface ClientLoadResult extends LoopLoadResult {
  cpu?: CpuUse;
  /** The bench process's own (the demo) over the same run. */
  benchCpu?: CpuUse;
}

/** One server under test (the gateway or the floor) for one query. */
export interface ServerResult {
  requests: {
    /** Upstream requests of one execution (demo.requests). */
    perExecution: number;
    /** The calls differ from the planning run's (same count expected; order may vary). */
    differsFromPlan: boolean;
  };
  /** Median ms of a few sequential executions with no other load. */
  unloaded: number;
  /** `connections` clients, after the warm-up. */
  load: ServerLoadResult;
  /** `rssConnections` clients, after every query's runs above. */
  rss?: ServerLoadResult;
  /** For the gateway: its answer is not the floor's (deep equality of the parsed JSON). */
  answerDiffersFromFloor?: boolean;
}

export interface QueryResult {
  id: string;
  title: string;
  /** Upstream requests of one run of the naive model. */
  naiveRequests: number;
  /** One per gateway variant, in the order of the report's `variants`. */
  gateways: ServerResult[];
  floor: ServerResult;
  direct: ClientLoadResult;
  naive: ClientLoadResult;
  /** Median ms of a few sequential executions with no other load. */
  unloaded: { direct: number; naive: number };
}

/** A server process over a whole pass. */
export interface ProcessSummary {
  /** RSS after start-up, and VmHWM at the end (its peak over the whole pass), in KiB. */
  startRssKiB?: number;
  endHwmKiB?: number;
  /** What it wrote at warn level or above. */
  output: string;
}

export interface LatencyRun {
  latencyMs: number;
  queries: QueryResult[];
  /** One per gateway variant, in the order of the report's `variants`. */
  gatewayProcesses: ProcessSummary[];
  floorProcess: ProcessSummary;
}

type Progress = (line: string) => void;

/** Sequential executions per side for the no-load latency (odd, so the median is one of them). */
export const UNLOADED_RUNS = 5;
/** Fewer for the naive model: one R3 takes over a second at 20 ms. */
const UNLOADED_NAIVE_RUNS = 3;

/**
 * One full pass at one upstream latency: a fresh demo in this process, each gateway variant and
 * the floor server as child processes pointed at it, then per query the request counts, the load
 * runs (each gateway, the floor, the direct replay, the naive model) and the RSS runs at
 * `rssConnections`.
 */
export async function measureLatency(
  latencyMs: number,
  plan: Plan,
  variants: readonly GatewayVariant[],
  config: BenchConfig,
  progress: Progress,
): Promise<LatencyRun> {
  const demo = await startDemo({ latencyMs });
  const started: ServerProcess[] = [];
  // The direct replay and the naive model run in a child process with a pool like the gateway's
  // own (same options, same sockets): like the gateway, they get a core apart from the demo's.
  const client: Client = startClient({
    demoUrl: demo.url,
    upstreamConnections: config.upstreamConnections,
    perQueryConcurrency: config.perQueryConcurrency,
    calls: plan.calls,
    entityImageIds: plan.entityImageIds,
  });
  try {
    // All started up front, so each query measures every variant back to back.
    const gateways: ServerProcess[] = [];
    for (const variant of variants) {
      const gateway = await startGatewayProcess({
        foremanUrl: demo.url,
        cwd: variant.cwd,
        logLevel: config.gatewayLogLevel,
        compiledEntry: config.gatewayEntry,
      });
      started.push(gateway);
      gateways.push(gateway);
      progress(`latency ${latencyMs} ms: ${variant.label} pid ${gateway.pid} at ${gateway.url}`);
    }
    const floor = await startFloorProcess({
      foremanUrl: demo.url,
      upstreamConnections: config.upstreamConnections,
    });
    started.push(floor);
    progress(`latency ${latencyMs} ms: floor pid ${floor.pid} at ${floor.url}`);
    const labels = [...variants.map((v) => v.label), 'floor'];
    const servers = [...gateways, floor];
    const startRss = servers.map((server) => server.memory()?.rssKiB);

    const results: QueryResult[] = [];
    for (const query of plan.queries) {
      // Every answer is checked before anything is timed; the gateways' are compared with the
      // floor's.
      const counts: Array<Awaited<ReturnType<typeof countServerRequests>>> = [];
      for (const server of servers)
        counts.push(await countServerRequests(demo, server.url, query, plan));
      const floorAnswer = counts[counts.length - 1]?.answer;
      demo.resetRequests();
      await client.once('naive', query.id);
      const naiveRequests = demo.requests.length;
      demo.resetRequests();
      progress(
        `  ${query.id}: upstream requests ${counts.map((c, i) => `${labels[i]} ${c.requests.perExecution}`).join(', ')}, naive ${naiveRequests}`,
      );

      const loadOptions = {
        connections: config.connections,
        durationS: config.durationS,
        warmupS: config.warmupS,
      };
      const loads: ServerLoadResult[] = [];
      for (const [index, server] of servers.entries()) {
        const load = await loadServer(server, demo, query, loadOptions);
        loads.push(load);
        progress(`  ${query.id}: ${labels[index]}: ${formatRun(load)}`);
      }

      // The demo keeps every request it records: the counter empties it while the client loads.
      const loop = async (side: Side, durationS: number): Promise<ClientLoadResult> => {
        const drain = countUpstream(demo);
        const cpu = measureCpu(client.pid);
        const benchCpu = measureCpu(process.pid);
        try {
          const result = await client.load(side, query.id, config.connections, durationS);
          const used = cpu.stop(result.completed);
          const benchUsed = benchCpu.stop(result.completed);
          return {
            ...result,
            ...(used ? { cpu: used } : {}),
            ...(benchUsed ? { benchCpu: benchUsed } : {}),
          };
        } finally {
          drain.stop();
        }
      };
      if (config.warmupS > 0) await loop('direct', config.warmupS);
      const directResult = await loop('direct', config.durationS);
      progress(`  ${query.id}: direct: ${formatRun(directResult)}`);

      // No separate warm-up: the count run above and the direct replay just before warmed the
      // same process, pool and demo, and a naive query can take seconds at 20 ms.
      const naiveResult = await loop('naive', config.durationS);
      progress(`  ${query.id}: naive: ${formatRun(naiveResult)}`);

      // After the load runs: every side is warm, so this is a service time, not a cold start.
      const unloadedServers: number[] = [];
      for (const server of servers) {
        unloadedServers.push(
          await unloadedLatency(() => postQuery(server.url, query), UNLOADED_RUNS),
        );
      }
      const unloaded = {
        direct: await client.unloaded('direct', query.id, UNLOADED_RUNS),
        naive: await client.unloaded('naive', query.id, UNLOADED_NAIVE_RUNS),
      };
      demo.resetRequests();
      progress(
        `  ${query.id}: one at a time, p50 ${[
          ...labels.map((label, i) => `${label} ${unloadedServers[i]?.toFixed(1)} ms`),
          `direct ${unloaded.direct.toFixed(1)} ms`,
          `naive ${unloaded.naive.toFixed(1)} ms`,
        ].join(', ')}`,
      );

      const serverResults: ServerResult[] = servers.map((_, index) => ({
        requests: (counts[index] as (typeof counts)[number]).requests,
        unloaded: unloadedServers[index] as number,
        load: loads[index] as ServerLoadResult,
      }));
      const floorResult = serverResults.pop() as ServerResult;
      results.push({
        id: query.id,
        title: query.title,
        naiveRequests,
        gateways: serverResults.map((result, index) => ({
          ...result,
          answerDiffersFromFloor: !isDeepStrictEqual(counts[index]?.answer, floorAnswer),
        })),
        floor: floorResult,
        direct: directResult,
        naive: naiveResult,
        unloaded,
      });
    }

    if (config.rssConnections > 0) {
      for (const result of results) {
        const query = plan.queries.find((q) => q.id === result.id) as ReferenceQuery;
        const rssOptions = {
          connections: config.rssConnections,
          durationS: config.rssDurationS,
          warmupS: 0,
        };
        const sides = [...result.gateways, result.floor];
        for (const [index, server] of servers.entries()) {
          const side = sides[index] as ServerResult;
          side.rss = await loadServer(server, demo, query, rssOptions);
          progress(
            `  ${result.id}: ${labels[index]} at ${config.rssConnections} connections: ${formatRun(side.rss)}`,
          );
        }
      }
    }
    const summaries = servers.map((server, index) => processSummary(server, startRss[index]));
    const floorProcess = summaries.pop() as ProcessSummary;
    return { latencyMs, queries: results, gatewayProcesses: summaries, floorProcess };
  } finally {
    for (const server of started.reverse()) await server.stop();
    await client.close();
    await demo.close();
  }
}

/**
 * A server process under autocannon: an optional warm-up, then the measured run, with its CPU
 * read just before and after the measured run and its RSS sampled throughout. Waits until the
 * upstream calls of requests autocannon abandoned at a deadline have ended, so they neither leak
 * into the next run nor go missing from this one's count.
 */
async function loadServer(
  server: ServerProcess,
  demo: DemoUpstream,
  query: ReferenceQuery,
  options: { connections: number; durationS: number; warmupS: number },
): Promise<ServerLoadResult> {
  const run = (durationS: number) =>
    loadGateway(server.url, query, {
      connections: options.connections,
      durationS,
      authorization: ADMIN,
    });
  const memory = sampleMemory(server.pid);
  try {
    if (options.warmupS > 0) await run(options.warmupS);
    await settle(() => demo.requests.length);
    demo.resetRequests();
    const upstream = countUpstream(demo);
    const cpu = measureCpu(server.pid);
    const benchCpu = measureCpu(process.pid);
    const result = await run(options.durationS);
    const used = cpu.stop(result.completed);
    const benchUsed = benchCpu.stop(result.completed);
    await settle(upstream.total);
    const upstreamCalls = upstream.stop();
    const peak = memory.stop();
    return {
      ...result,
      upstreamPerRequest: result.sent > 0 ? upstreamCalls / result.sent : Number.NaN,
      ...(used ? { cpu: used } : {}),
      ...(benchUsed ? { benchCpu: benchUsed } : {}),
      ...(peak ? { peakRssKiB: peak.peakRssKiB } : {}),
    };
  } finally {
    memory.stop();
  }
}

function processSummary(server: ServerProcess, startRssKiB: number | undefined): ProcessSummary {
  const endHwmKiB = server.memory()?.hwmKiB;
  return {
    ...(startRssKiB !== undefined ? { startRssKiB } : {}),
    ...(endHwmKiB !== undefined ? { endHwmKiB } : {}),
    output: server.output(),
  };
}

/**
 * Upstream requests of ONE execution, read from demo.requests, and the answer. Also checks the
 * server answers correctly and makes the calls the plan recorded (the replay is only honest if it
 * replays what this gateway does, and the floor only if it does the same work).
 */
async function countServerRequests(
  demo: DemoUpstream,
  serverUrl: string,
  query: ReferenceQuery,
  plan: Plan,
): Promise<{ requests: ServerResult['requests']; answer: unknown }> {
  demo.resetRequests();
  const answer = await postQuery(serverUrl, query);
  const problem = query.check(answer);
  if (problem)
    throw new Error(`${query.id} is not answered as expected by ${serverUrl}: ${problem}`);
  const made = demo.requests.map(describeCall).sort();
  const planned = (plan.calls[query.id] ?? []).map(describeCall).sort();
  demo.resetRequests();
  return {
    requests: {
      perExecution: made.length,
      differsFromPlan: made.join('\n') !== planned.join('\n'),
    },
    answer,
  };
}

function mib(kib: number | undefined): string {
  return kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`;
}

function formatRun(run: {
  p50: number;
  p99: number;
  perSecond: number;
  completed: number;
  errors: number;
  cpu?: CpuUse;
  benchCpu?: CpuUse;
  peakRssKiB?: number;
}): string {
  const cpu = run.cpu
    ? `, CPU ${run.cpu.perRequestMs.toFixed(2)} ms/req (${run.cpu.cores.toFixed(2)} cores; bench ${run.benchCpu?.cores.toFixed(2) ?? '?'})`
    : '';
  const rss = run.peakRssKiB !== undefined ? `, peak RSS ${mib(run.peakRssKiB)}` : '';
  return `p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ${run.perSecond.toFixed(1)}/s (${run.completed} ok, ${run.errors} errors)${cpu}${rss}`;
}
