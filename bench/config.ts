import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../src/config.js';

/** Every knob of one bench run; each has an env variable and a CLI flag (the flag wins). */
export interface BenchConfig {
  /** Added latency of the demo upstream, per upstream request; one full pass per value. */
  latenciesMs: number[];
  /** Measured seconds per query and per side (gateway, direct replay, naive model). */
  durationS: number;
  /** Unmeasured seconds before each measured run (JIT, sockets, caches of the process). */
  warmupS: number;
  /** Concurrent clients for the latency/throughput runs (autocannon connections). */
  connections: number;
  /** Concurrent connections for the peak-RSS run. */
  rssConnections: number;
  rssDurationS: number;
  /** Upstream calls one naive or replayed query may have in flight (the gateway's default: 8). */
  perQueryConcurrency: number;
  /** Sockets to the demo upstream (the gateway's default UPSTREAM_CONNECTIONS: 32). */
  upstreamConnections: number;
  /** Which reference queries to run (R0…R4). */
  queries: string[];
  /** Where latest.md / latest.json are written. */
  outDir: string;
  /** A compiled entry point (`dist/src/main.js` after `npm run build`) instead of tsx on src/. */
  gatewayEntry: string | undefined;
  /** LOG_LEVEL of the gateway child: its own default (info, one line per operation) unless set. */
  gatewayLogLevel: LogLevel;
  /** Commits to measure side by side, each from a temporary worktree; none: the working tree. */
  refs: string[];
}

const FLAGS = {
  latencies: { env: 'BENCH_LATENCIES', fallback: '0,20' },
  duration: { env: 'BENCH_DURATION_S', fallback: '4' },
  warmup: { env: 'BENCH_WARMUP_S', fallback: '1' },
  connections: { env: 'BENCH_CONNECTIONS', fallback: '10' },
  'rss-connections': { env: 'BENCH_RSS_CONNECTIONS', fallback: '100' },
  'rss-duration': { env: 'BENCH_RSS_DURATION_S', fallback: '3' },
  'query-concurrency': { env: 'BENCH_QUERY_CONCURRENCY', fallback: '8' },
  'upstream-connections': { env: 'BENCH_UPSTREAM_CONNECTIONS', fallback: '32' },
  queries: { env: 'BENCH_QUERIES', fallback: 'R0,R1,R2,R3,R4' },
  // Outside the repository: `biome check .` would lint a JSON report written inside it.
  'gateway-entry': { env: 'BENCH_GATEWAY_ENTRY', fallback: '' },
  // The gateway's own default: what a deployment runs unless it says otherwise.
  'gateway-log-level': { env: 'BENCH_GATEWAY_LOG_LEVEL', fallback: 'info' },
  refs: { env: 'BENCH_REFS', fallback: '' },
  out: { env: 'BENCH_OUT', fallback: path.join(os.tmpdir(), 'foreman-images-graphql-bench') },
} as const;

type Flag = keyof typeof FLAGS;

export const ALL_QUERIES = ['R0', 'R1', 'R2', 'R3', 'R4'] as const;

export class BenchConfigError extends Error {
  override readonly name = 'BenchConfigError';
}

export function loadBenchConfig(
  argv: string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env,
): BenchConfig {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }]),
    ) as Record<Flag, { type: 'string' }>,
    allowPositionals: false,
    strict: true,
  });
  const raw = (flag: Flag): { text: string; from: string } => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return { text: fromFlag, from: `--${flag}` };
    const fromEnv = env[FLAGS[flag].env]?.trim();
    if (fromEnv) return { text: fromEnv, from: FLAGS[flag].env };
    return { text: FLAGS[flag].fallback, from: `default of ${FLAGS[flag].env}` };
  };
  const number = (flag: Flag, min: number, max: number): number => {
    const { text, from } = raw(flag);
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new BenchConfigError(`${from} must be a number from ${min} to ${max}, got "${text}"`);
    }
    return value;
  };
  const integer = (flag: Flag, min: number, max: number): number => {
    const value = number(flag, min, max);
    if (!Number.isInteger(value)) {
      throw new BenchConfigError(`${raw(flag).from} must be a whole number, got "${value}"`);
    }
    return value;
  };

  const latencies = raw('latencies');
  const latenciesMs = latencies.text.split(',').map((part) => Number(part.trim()));
  if (latenciesMs.some((ms) => !Number.isInteger(ms) || ms < 0 || ms > 5_000)) {
    throw new BenchConfigError(
      `${latencies.from} must list whole milliseconds (0…5000), e.g. "0,20"; got "${latencies.text}"`,
    );
  }
  const logLevel = raw('gateway-log-level');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel.text)) {
    throw new BenchConfigError(
      `${logLevel.from} must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel.text}"`,
    );
  }
  const refsRaw = raw('refs');
  const refs = refsRaw.text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (refs.some((ref) => ref.startsWith('-'))) {
    throw new BenchConfigError(`${refsRaw.from} must list git refs; got "${refsRaw.text}"`);
  }
  const gatewayEntry = raw('gateway-entry');
  if (refs.length > 0 && gatewayEntry.text) {
    throw new BenchConfigError(
      `${gatewayEntry.from} cannot be combined with ${refsRaw.from}: a ref's checkout has no build`,
    );
  }
  const queriesRaw = raw('queries');
  const queries = queriesRaw.text.split(',').map((part) => part.trim().toUpperCase());
  const unknown = queries.filter((q) => !(ALL_QUERIES as readonly string[]).includes(q));
  if (unknown.length > 0 || queries.length === 0) {
    throw new BenchConfigError(
      `${queriesRaw.from} must list some of ${ALL_QUERIES.join(',')}; got "${queriesRaw.text}"`,
    );
  }

  return {
    latenciesMs,
    durationS: number('duration', 0.5, 600),
    warmupS: number('warmup', 0, 60),
    connections: integer('connections', 1, 1_000),
    rssConnections: integer('rss-connections', 0, 10_000),
    rssDurationS: number('rss-duration', 0.5, 600),
    perQueryConcurrency: integer('query-concurrency', 1, 256),
    upstreamConnections: integer('upstream-connections', 1, 1_024),
    queries: ALL_QUERIES.filter((q) => queries.includes(q)),
    outDir: raw('out').text,
    gatewayEntry: gatewayEntry.text || undefined,
    gatewayLogLevel: logLevel.text as LogLevel,
    refs,
  };
}

/** The env variables a reader must set to reproduce a run with non-default settings. */
export function nonDefaultSettings(
  env: Record<string, string | undefined> = process.env,
): string[] {
  return Object.values(FLAGS)
    .filter(({ env: name }) => env[name]?.trim())
    .map(({ env: name }) => `${name}=${env[name]?.trim()}`);
}
