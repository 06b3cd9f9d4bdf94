import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { onEarlyExit, track } from './children.js';
import { readMemory } from './proc.js';

/** A server under test, running as a child process of the bench. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** Current and peak resident set size of its node process, in KiB (Linux /proc). */
  memory(): { rssKiB: number; hwmKiB: number } | undefined;
  /** What it wrote at warn level or above, for the report (info and debug lines left out). */
  output(): string;
  /** Settles when the process has exited, however it ended (a signal sent by the caller too). */
  exited: Promise<ProcessExit>;
  stop(): Promise<void>;
}

/** How a child process ended: its exit code, or the signal that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
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
 * The gateway as its own process: `node --import tsx src/main.ts` (what `npm start` runs) in
 * `cwd`, so the pid we hold is the node process itself (the `tsx` binary would put a second
 * process between), or `node <entry>` for a compiled build. Its environment is minimal: nothing
 * from ours (a stray FOREMAN_USERNAME would change how credentials flow).
 */
export function startGatewayProcess(options: {
  foremanUrl: string;
  cwd: string;
  logLevel: string;
  compiledEntry?: string | undefined;
  /** More of the gateway's settings (MAX_UPSTREAM_REQUESTS…); FOREMAN_URL and LOG_LEVEL win. */
  env?: Record<string, string> | undefined;
}): Promise<ServerProcess> {
  return startServerProcess({
    name: 'gateway',
    args: options.compiledEntry ? [options.compiledEntry] : ['--import', 'tsx', 'src/main.ts'],
    cwd: options.cwd,
    env: { ...options.env, FOREMAN_URL: options.foremanUrl, LOG_LEVEL: options.logLevel },
  });
}

/**
 * The floor server (floor-server.ts) as its own process, started like the gateway (`node --import
 * tsx`, from the bench's checkout), with the gateway's default pool size unless told otherwise.
 */
export function startFloorProcess(options: {
  foremanUrl: string;
  upstreamConnections: number;
}): Promise<ServerProcess> {
  return startServerProcess({
    name: 'floor',
    args: ['--import', 'tsx', fileURLToPath(new URL('./floor-server.ts', import.meta.url))],
    cwd: process.cwd(),
    env: {
      FOREMAN_URL: options.foremanUrl,
      UPSTREAM_CONNECTIONS: String(options.upstreamConnections),
    },
  });
}

/**
 * `node <args>` in `cwd` with `env` plus PATH, HOME, HOST=127.0.0.1 and a free PORT; resolves
 * once GET /healthz answers 2xx. Its stdout and stderr go to a temporary file rather than a pipe:
 * at the default log level the gateway writes a line per request, and a pipe would make its
 * speed depend on how fast the (busy) bench process reads, and cost the bench CPU to read.
 */
export async function startServerProcess(options: {
  name: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}): Promise<ServerProcess> {
  const { name } = options;
  const port = await freePort();
  const logDir = mkdtempSync(path.join(os.tmpdir(), `foreman-images-graphql-bench-${name}-`));
  const logFile = path.join(logDir, 'output.log');
  const removeLog = onEarlyExit(() => rmSync(logDir, { recursive: true, force: true }));
  const fd = openSync(logFile, 'a');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(process.execPath, options.args, {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        ...options.env,
      },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(fd);
  }
  track(child);
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid;
  if (pid === undefined) {
    removeLog();
    throw new Error(`could not start the ${name} process`);
  }
  const everything = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  const url = `http://127.0.0.1:${port}`;
  let output: string | undefined;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timeout = sleep(10_000).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    }
    output ??= warnAndAbove(everything());
    removeLog();
  };

  // /healthz answers without calling Foreman, so readiness polls leave demo.requests untouched.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      const written = everything();
      removeLog();
      throw new Error(
        `the ${name} process exited (${child.exitCode}) before it was ready:\n${written.slice(-5_000)}`,
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
      const written = everything();
      await stop();
      throw new Error(`the ${name} process was not ready within 60 s:\n${written.slice(-5_000)}`);
    }
    await sleep(100);
  }

  return {
    url,
    pid,
    exited,
    memory: () => readMemory(pid),
    output: () => output ?? warnAndAbove(everything()),
    stop,
  };
}

/**
 * pino writes `{"level":30,…}` lines; those below warn (40) are the gateway working as it should.
 * Anything else (warnings, errors, a stack trace, a line that is not JSON) is kept, up to enough
 * to show what went wrong: a log storm must not fill the report.
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
