import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Current and peak resident set size of the gateway's node process, in KiB (Linux /proc). */
  memory(): { rssKiB: number; hwmKiB: number } | undefined;
  /** Output the child wrote (warn level and above), for the report when something goes wrong. */
  output(): string;
  stop(): Promise<void>;
}

/** Children still running; killed by pid if the bench exits early (error, Ctrl-C, kill). */
const running = new Set<ChildProcess>();
const killRunning = () => {
  for (const child of running) child.kill('SIGKILL');
};
process.once('exit', killRunning);
// A signal's default action ends the process without 'exit' handlers: stop the children first.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    killRunning();
    process.exit(code);
  });
}

/** A port free right now on 127.0.0.1 (PORT=0 would not tell us which one the child took). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The gateway as its own process: `node --import tsx src/main.ts` (what `npm start` runs), so the
 * pid we hold is the node process itself (the `tsx` binary would put a second process between),
 * or `node <entry>` for a compiled build. Its environment is minimal: nothing from ours (a stray
 * FOREMAN_USERNAME would change how credentials flow).
 */
export async function startGatewayProcess(
  foremanUrl: string,
  compiledEntry?: string,
): Promise<GatewayProcess> {
  const port = await freePort();
  let output = '';
  const args = compiledEntry ? [compiledEntry] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      FOREMAN_URL: foremanUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const keep = (chunk: Buffer) => {
    // Enough to show why it failed; a log storm under load must not grow without bound.
    if (output.length < 20_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the gateway process');

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timeout = sleep(10_000).then(() => 'timeout' as const);
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };

  // /healthz answers without calling Foreman, so readiness polls leave demo.requests untouched.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the gateway process exited (${child.exitCode}) before it was ready:\n${output}`,
      );
    }
    try {
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the gateway process was not ready within 60 s:\n${output}`);
    }
    await sleep(100);
  }

  return {
    url,
    pid,
    memory: () => readMemory(pid),
    output: () => output,
    stop,
  };
}

function readMemory(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  const rssKiB = field('VmRSS');
  const hwmKiB = field('VmHWM');
  return Number.isFinite(rssKiB) && Number.isFinite(hwmKiB) ? { rssKiB, hwmKiB } : undefined;
}

/** Samples the child's RSS every `everyMs` while a load runs; the maximum is the run's peak. */
export function sampleMemory(
  gateway: GatewayProcess,
  everyMs = 50,
): { stop(): { peakRssKiB: number; hwmKiB: number } | undefined } {
  let peak = 0;
  let hwm = 0;
  const sample = () => {
    const memory = gateway.memory();
    if (!memory) return;
    peak = Math.max(peak, memory.rssKiB);
    hwm = Math.max(hwm, memory.hwmKiB);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak > 0 ? { peakRssKiB: peak, hwmKiB: hwm } : undefined;
    },
  };
}
