import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { track } from './children.js';

/**
 * The processes the overload and cache benches measure: the demo Foreman on its own
 * (`npm run demo-upstream`, with its control API), and a gateway checkout's `src/main.ts`, each a
 * child on a free loopback port, stopped by its pid.
 */

export const ADMIN = `Basic ${Buffer.from('admin:changeme').toString('base64')}`;

export function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/** What a child wrote after it started: counted, not kept (a long run writes many lines). */
export interface ChildOutput {
  lines: number;
  /** pino lines at error level or above (50+), and anything that is not pino's JSON. */
  errors: number;
  /** The first few of those, for the report. */
  firstErrors: string[];
}

/** Which Node runs a child, and with which flags of its own (before `--import tsx`). */
export interface NodeChoice {
  /** A node binary; default: the one running the bench. */
  node?: string | undefined;
  nodeArgs?: string[] | undefined;
  /** Sees each line the child writes once started; true: the line is the bench's, not counted. */
  watch?: ((line: string) => boolean) | undefined;
}

async function spawnUntil(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  ready: string,
  choice: NodeChoice = {},
): Promise<{ child: ChildProcess; output: ChildOutput }> {
  const child = spawn(choice.node ?? process.execPath, [...(choice.nodeArgs ?? []), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let startup = '';
  let started = false;
  const output: ChildOutput = { lines: 0, errors: 0, firstErrors: [] };
  let partial = '';
  const take = (chunk: Buffer) => {
    if (!started) {
      startup += chunk.toString();
      return;
    }
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (choice.watch?.(line)) continue;
      output.lines += 1;
      const level = Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 60);
      if (level >= 50) {
        output.errors += 1;
        if (output.firstErrors.length < 12) output.firstErrors.push(line.slice(0, 500));
      }
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const deadline = Date.now() + 30_000;
  while (!startup.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`did not start:\n${startup}`);
    }
    await sleep(50);
  }
  // From here on lines are counted, not kept.
  started = true;
  startup = '';
  return { child, output };
}

export async function stop(child: ChildProcess): Promise<void> {
  // Killed by a signal, a child has no exit code, only a signal code.
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
}

export interface Foreman {
  url: string;
  child: ChildProcess;
  calls(): Promise<number>;
}

export async function startForeman(
  latencyMs: number,
  options: { slots?: number; extraUsers?: number } & NodeChoice = {},
): Promise<Foreman> {
  const port = await freePort();
  const { child } = await spawnUntil(
    ['--import', 'tsx', 'src/demo/main.ts'],
    {
      DEMO_PORT: String(port),
      DEMO_LATENCY_MS: String(latencyMs),
      DEMO_SLOTS: String(options.slots ?? 64),
      DEMO_EXTRA_USERS: String(options.extraUsers ?? 0),
      DEMO_CONTROL: 'true',
    },
    resolve('.'),
    'Foreman demo upstream at',
    options,
  );
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    async calls() {
      const response = await request(`${url}/__demo/requests`);
      return ((await response.body.json()) as { total: number }).total;
    },
  };
}

export async function startGateway(
  gatewayDir: string,
  foremanUrl: string,
  env: Record<string, string>,
  choice: NodeChoice = {},
) {
  const port = await freePort();
  const { child, output } = await spawnUntil(
    ['--import', 'tsx', 'src/main.ts'],
    {
      FOREMAN_URL: foremanUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FOREMAN_USERNAME: 'admin',
      FOREMAN_PASSWORD: 'changeme',
      TRUSTED_PROXIES: '127.0.0.1',
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
    },
    gatewayDir,
    // Both the old and the new gateway say so when they listen; warn level hides it, so ask.
    '',
    choice,
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const answer = await request(`http://127.0.0.1:${port}/healthz`);
      await answer.body.dump();
      if (answer.statusCode === 200) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error('the gateway did not start');
    await sleep(100);
  }
  return { url, child, output };
}
