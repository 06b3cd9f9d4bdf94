import { Worker } from 'node:worker_threads';
import type { LoopLoadResult } from './load.js';
import type { PlannedCall } from './upstream.js';

export interface ClientWorkerData {
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

/** The direct replay and naive model, driven from the main thread, running on a worker thread. */
export interface ClientWorker {
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

export function startClientWorker(data: ClientWorkerData): ClientWorker {
  // Node 20 does not pass tsx's loader on to workers: register it inside the worker first.
  const entry = new URL('./client-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData: data },
  );
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let seq = 0;
  let failed: Error | undefined;
  const failAll = (error: Error) => {
    failed = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (message: { seq: number; result?: unknown; error?: string }) => {
    const waiting = pending.get(message.seq);
    pending.delete(message.seq);
    if (message.error !== undefined) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.result);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the client worker exited (${code})`)));

  const call = <T>(task: ClientTask): Promise<T> => {
    if (failed) return Promise.reject(failed);
    seq += 1;
    const id = seq;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...task, seq: id });
    });
  };
  return {
    once: (side, queryId) => call({ op: 'once', side, queryId }),
    load: (side, queryId, concurrency, durationS) =>
      call({ op: 'load', side, queryId, concurrency, durationS }),
    unloaded: (side, queryId, times) => call({ op: 'unloaded', side, queryId, times }),
    close: async () => {
      await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
