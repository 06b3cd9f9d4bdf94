import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './children.js';
import type { LoopLoadResult } from './load.js';
import type { PlannedCall } from './upstream.js';

export interface ClientData {
  demoUrl: string;
  upstreamConnections: number;
  perQueryConcurrency: number;
  calls: Record<string, PlannedCall[]>;
  entityImageIds: number[];
}

export type Side = 'direct' | 'naive';

export type ClientTask =
  | { op: 'once'; side: Side; queryId: string }
  | { op: 'load'; side: Side; queryId: string; concurrency: number; durationS: number }
  | { op: 'unloaded'; side: Side; queryId: string; times: number }
  | { op: 'close' };

/** The direct replay and naive model, driven from the bench, running in a child process. */
export interface Client {
  /** The child's pid: its /proc/<pid>/stat is the direct and naive sides' CPU. */
  pid: number;
  once(side: Side, queryId: string): Promise<void>;
  load(
    side: Side,
    queryId: string,
    concurrency: number,
    durationS: number,
  ): Promise<LoopLoadResult>;
  unloaded(side: Side, queryId: string, times: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A process of its own rather than a worker thread: the CPU time of one thread can be read from
 * /proc, but the V8 helper threads (garbage collection, compilation) that work for it are shared
 * with the whole bench process, so a thread's figure would undercount against the gateway's,
 * which is a whole process. (Node 20 has no process.threadCpuUsage either.)
 */
export function startClient(data: ClientData): Client {
  const child = fork(fileURLToPath(new URL('./client-process.ts', import.meta.url)), [], {
    // Not the bench's own execArgv (tsx's CLI hooks): the same loader the gateway child gets.
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    // Structured clone keeps NaN (a run with nothing completed) where JSON would make it null.
    serialization: 'advanced',
    // stdout is the report: anything the child says goes to stderr.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  track(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the client process');
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let seq = 0;
  let failed: Error | undefined;
  const failAll = (error: Error) => {
    failed = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  child.on('message', (message: { seq: number; result?: unknown; error?: string }) => {
    const waiting = pending.get(message.seq);
    pending.delete(message.seq);
    if (message.error !== undefined) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.result);
  });
  child.on('error', failAll);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      failAll(new Error(`the client process exited (${code ?? signal})`));
      resolve();
    }),
  );

  const call = <T>(task: ClientTask | { op: 'init'; data: ClientData }): Promise<T> => {
    if (failed) return Promise.reject(failed);
    seq += 1;
    const id = seq;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...task, seq: id });
    });
  };
  // Tasks queue behind this one in the child's message order.
  call({ op: 'init', data }).catch(() => undefined);
  return {
    pid,
    once: (side, queryId) => call({ op: 'once', side, queryId }),
    load: (side, queryId, concurrency, durationS) =>
      call({ op: 'load', side, queryId, concurrency, durationS }),
    unloaded: (side, queryId, times) => call({ op: 'unloaded', side, queryId, times }),
    close: async () => {
      await call({ op: 'close' }).catch(() => undefined);
      if (child.connected) child.disconnect();
      const timeout = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
