import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Everything the bench starts outside its own process: child processes (started, waited for and
 * stopped here) and temporary files and checkouts. Normal runs undo their own work as they go; if
 * the bench ends early (an error, Ctrl-C or a kill) the hooks below undo the rest.
 */

/** Children still running; killed by pid if the bench exits early. */
const running = new Set<ChildProcess>();
/** Synchronous clean-ups (an 'exit' handler cannot wait), run after the children are killed. */
const cleanups = new Set<() => void>();

const undoAll = () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the next clean-up must still run.
    }
  }
  cleanups.clear();
};
process.once('exit', undoAll);
// A signal's default action ends the process without 'exit' handlers: undo everything first.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    undoAll();
    process.exit(code);
  });
}

/** Kills `child` by its pid if the bench exits while it still runs. */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Runs `cleanup` if the bench exits before the returned function is called (which also runs it). */
export function onEarlyExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    cleanup();
  };
}

/** A port free right now on 127.0.0.1 (PORT=0 would not tell us which one a child took). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** How a child process ended: its exit code, or the signal that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** What it wrote to stdout and stderr; once it has exited, what `keep` kept of that. */
  output(): string;
  /** Settles when the process has exited, however it ended (a signal sent by the caller too). */
  exited: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `command` (node by default) in `cwd` with `env` plus PATH and HOME only (nothing else of
 * ours: a stray FOREMAN_USERNAME would change how the gateway treats credentials), tracked by
 * pid, and resolves once it is ready: `line` appeared in its output, or `url` answered 2xx.
 *
 * Its stdout and stderr go to a temporary file rather than a pipe: a gateway at the info level
 * writes a line per request, and a pipe would tie its speed to how fast the busy bench process
 * reads it, and cost the bench CPU. The file is read back (and `keep` applied to it) once when the
 * child exits, and then removed. A long run (a soak) would fill that file: with `onLine` its
 * output is piped instead, each line handed over as it comes and only the last 20 KB kept.
 */
export async function startChild(options: {
  name: string;
  command?: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  ready: { line: string } | { url: string };
  /** What of its output to keep once it has exited (the last 20 KB by default). */
  keep?: (output: string) => string;
  onLine?: (line: string) => void;
  timeoutMs?: number;
}): Promise<Child> {
  const { name } = options;
  const sink = options.onLine ? lineSink(options.onLine) : fileSink(name);
  let child: ChildProcess;
  try {
    child = spawn(options.command ?? process.execPath, options.args, {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', sink.stdio, sink.stdio],
    });
  } finally {
    sink.spawned();
  }
  sink.attach(child);
  // A missing binary is an 'error' event, not an exit: without a listener it would be thrown.
  let failure: Error | undefined;
  child.once('error', (error) => {
    failure = error;
  });
  let kept: string | undefined;
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => {
      kept = (options.keep ?? ((text) => text.slice(-20_000)))(sink.written());
      sink.remove();
      resolve({ code, signal });
    }),
  );
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(0);
    sink.remove();
    throw new Error(`could not start ${name}: ${failure?.message ?? 'no pid'}`);
  }
  track(child);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timeout = sleep(10_000).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL');
    }
    await exited;
  };

  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || failure) {
      const why = failure?.message ?? `exited (${child.exitCode ?? child.signalCode})`;
      const text = sink.written();
      await stop();
      throw new Error(`${name} ${why} before it was ready:\n${text.slice(-5_000)}`);
    }
    const { ready } = options;
    if ('line' in ready ? sink.written().includes(ready.line) : await answers(ready.url)) break;
    if (Date.now() > deadline) {
      const text = sink.written();
      await stop();
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${text.slice(-5_000)}`);
    }
    await sleep(50);
  }

  return { process: child, pid, output: () => kept ?? sink.written(), exited, stop };
}

/** Where a child's stdout and stderr go. */
interface Sink {
  stdio: 'pipe' | number;
  /** Called right after spawn, whether it worked or not. */
  spawned(): void;
  attach(child: ChildProcess): void;
  written(): string;
  remove(): void;
}

function fileSink(name: string): Sink {
  const dir = mkdtempSync(path.join(os.tmpdir(), `foreman-images-graphql-bench-${name}-`));
  const file = path.join(dir, 'output.log');
  const remove = onEarlyExit(() => rmSync(dir, { recursive: true, force: true }));
  const fd = openSync(file, 'a');
  return {
    stdio: fd,
    // The child has its own copy of the descriptor.
    spawned: () => closeSync(fd),
    attach: () => undefined,
    written: () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    },
    remove,
  };
}

function lineSink(onLine: (line: string) => void): Sink {
  let tail = '';
  let partial = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-20_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  return {
    stdio: 'pipe',
    spawned: () => undefined,
    attach: (child) => {
      child.stdout?.on('data', take);
      child.stderr?.on('data', take);
    },
    written: () => tail,
    remove: () => undefined,
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.ok;
  } catch {
    // Not listening yet.
    return false;
  }
}
