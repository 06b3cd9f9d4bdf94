import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { type Child, freePort, type ProcessExit, startChild } from './children.js';
import { ADMIN } from './http.js';
import { readMemory } from './proc.js';

/**
 * The processes the benches start and measure, each a child on a free port of 127.0.0.1, stopped
 * by its pid (see children.ts): the demo Foreman on its own (`npm run demo-upstream`, with its
 * control API), the gateway (`node --import tsx src/main.ts` of a checkout, or a compiled entry),
 * the floor server, and Debian's redis-server.
 */

export { ADMIN, freePort, type ProcessExit };

/** SIGKILL, and resolves once it has exited (at once if it already had). */
export async function stop(child: ChildProcess): Promise<void> {
  // Killed by a signal, a child has no exit code, only a signal code.
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
}

/** Which Node runs a child, and with which flags of its own (before `--import tsx`). */
export interface NodeChoice {
  /** A node binary; default: the one running the bench. */
  node?: string | undefined;
  nodeArgs?: string[] | undefined;
  /** Sees each line the child writes once started; true: the line is the bench's, not counted. */
  watch?: ((line: string) => boolean) | undefined;
}

/** What a child wrote after it started: counted, not kept (a long run writes many lines). */
export interface ChildOutput {
  lines: number;
  /** pino lines at error level or above (50+), and anything that is not pino's JSON. */
  errors: number;
  /** The first few of those, for the report. */
  firstErrors: string[];
}

export interface Foreman {
  url: string;
  child: ChildProcess;
  /** Requests the demo has received since it started (its control API). */
  calls(): Promise<number>;
}

/** The demo Foreman in a process of its own, `latencyMs` per request, `slots` (Puma's) at once. */
export async function startForeman(
  latencyMs: number,
  options: { slots?: number; extraUsers?: number } & NodeChoice = {},
): Promise<Foreman> {
  const port = await freePort();
  const foreman = await startChild({
    name: 'foreman',
    command: options.node,
    args: [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/demo/main.ts'],
    cwd: resolve('.'),
    env: {
      DEMO_PORT: String(port),
      DEMO_LATENCY_MS: String(latencyMs),
      DEMO_SLOTS: String(options.slots ?? 64),
      DEMO_EXTRA_USERS: String(options.extraUsers ?? 0),
      DEMO_CONTROL: 'true',
    },
    ready: { line: 'Foreman demo upstream at' },
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child: foreman.process,
    async calls() {
      const response = await request(`${url}/__demo/requests`);
      return ((await response.body.json()) as { total: number }).total;
    },
  };
}

/**
 * The gateway of `gatewayDir` with a service account (the demo admin), callers told apart by
 * X-Forwarded-For from 127.0.0.1, LOG_LEVEL=warn and no drain on stop unless `env` says
 * otherwise. `url` is its GraphQL endpoint. Its output is piped and counted as it comes, not
 * kept: it may run for hours.
 */
export async function startGateway(
  gatewayDir: string,
  foremanUrl: string,
  env: Record<string, string>,
  choice: NodeChoice = {},
): Promise<{ url: string; child: ChildProcess; output: ChildOutput }> {
  const output: ChildOutput = { lines: 0, errors: 0, firstErrors: [] };
  let started = false;
  const count = (line: string) => {
    if (!started) return;
    if (choice.watch?.(line)) return;
    output.lines += 1;
    if (Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 60) >= 50) {
      output.errors += 1;
      if (output.firstErrors.length < 12) output.firstErrors.push(line.slice(0, 500));
    }
  };
  const gateway = await startServerProcess(
    'gateway',
    [...(choice.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'],
    gatewayDir,
    {
      FOREMAN_USERNAME: 'admin',
      FOREMAN_PASSWORD: 'changeme',
      TRUSTED_PROXIES: '127.0.0.1',
      SHUTDOWN_DRAIN_MS: '0',
      LOG_LEVEL: 'warn',
      ...env,
      FOREMAN_URL: foremanUrl,
    },
    { node: choice.node, onLine: count },
  );
  started = true;
  return { url: `${gateway.url}/graphql`, child: gateway.process, output };
}

/** A server under test (the gateway or the floor), running as a child process of the bench. */
export interface ServerProcess extends Child {
  /** Its base URL (no path). */
  url: string;
  /** Current and peak resident set size, in KiB (Linux /proc). */
  memory(): { rssKiB: number; hwmKiB: number } | undefined;
}

/**
 * The gateway as its own process: `node --import tsx src/main.ts` (what `npm start` runs) in
 * `cwd`, so the pid we hold is the node process itself (the `tsx` binary would put a second
 * process between), or `node <entry>` for a compiled build. Ready once /healthz answers (it calls
 * no Foreman, so readiness polls leave the demo's request counts untouched). `output()` is what
 * it wrote at warn level or above.
 */
export function startGatewayProcess(options: {
  foremanUrl: string;
  cwd: string;
  logLevel: string;
  compiledEntry?: string | undefined;
  /** More of the gateway's settings (MAX_UPSTREAM_REQUESTS…); FOREMAN_URL and LOG_LEVEL win. */
  env?: Record<string, string> | undefined;
}): Promise<ServerProcess> {
  return startServerProcess(
    'gateway',
    options.compiledEntry ? [options.compiledEntry] : ['--import', 'tsx', 'src/main.ts'],
    options.cwd,
    { ...options.env, FOREMAN_URL: options.foremanUrl, LOG_LEVEL: options.logLevel },
  );
}

/**
 * The floor server (floor-server.ts) as its own process, started like the gateway (`node
 * --import tsx`, from the bench's checkout), with `upstreamConnections` sockets.
 */
export function startFloorProcess(options: {
  foremanUrl: string;
  upstreamConnections: number;
}): Promise<ServerProcess> {
  return startServerProcess(
    'floor',
    ['--import', 'tsx', fileURLToPath(new URL('./floor-server.ts', import.meta.url))],
    process.cwd(),
    { FOREMAN_URL: options.foremanUrl, UPSTREAM_CONNECTIONS: String(options.upstreamConnections) },
  );
}

async function startServerProcess(
  name: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  how: { node?: string | undefined; onLine?: (line: string) => void } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startChild({
    name,
    command: how.node,
    ...(how.onLine ? { onLine: how.onLine } : {}),
    args,
    cwd,
    env: { HOST: '127.0.0.1', PORT: String(port), ...env },
    ready: { url: `${url}/healthz` },
    keep: warnAndAbove,
  });
  return {
    ...child,
    url,
    output: () => warnAndAbove(child.output()),
    memory: () => readMemory(child.pid),
  };
}

/**
 * pino writes `{"level":30,…}` lines; those below warn (40) are the gateway working as it should.
 * Anything else (warnings, errors, a stack trace, a line that is not JSON) is kept, up to 20 KB:
 * a log storm must not fill the report.
 */
function warnAndAbove(text: string): string {
  const kept: string[] = [];
  let length = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const level = /^\{"level":(\d+)[,}]/.exec(line)?.[1];
    if (level !== undefined && Number(level) < 40) continue;
    kept.push(line);
    length += line.length + 1;
    if (length > 20_000) break;
  }
  return kept.join('\n').slice(0, 20_000);
}

/** redis-server, without persistence, for replicas sharing announcements. */
export async function startRedisProcess(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const redis = await startChild({
    name: 'redis-server',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    env: {},
    ready: { line: 'Ready to accept connections' },
    timeoutMs: 10_000,
  });
  return { url: `redis://127.0.0.1:${port}`, stop: redis.stop };
}
