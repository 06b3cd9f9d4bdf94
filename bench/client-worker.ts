import { parentPort, workerData } from 'node:worker_threads';
import { createUpstreamPool } from '../src/foreman/http/pool.js';
import type { ClientTask, ClientWorkerData } from './client.js';
import { loadLoop, unloadedLatency } from './load.js';
import { naiveClient, naiveQueries } from './naive.js';
import { directReplay } from './replay.js';
import { ADMIN_AUTHORIZATION } from './rest.js';

/**
 * The direct replay and the naive model run here, on a thread of their own, so that (like the
 * gateway, which has its own process) they parse upstream JSON on a different core from the demo
 * upstream. Tasks arrive one at a time from client.ts.
 */
const data = workerData as ClientWorkerData;
const pool = createUpstreamPool({
  foremanUrl: data.demoUrl,
  connectTimeoutMs: 5_000,
  connections: data.upstreamConnections,
});
const naive = naiveQueries(data.entityImageIds);

function unitOf(side: 'direct' | 'naive', queryId: string): () => Promise<void> {
  if (side === 'direct') {
    return directReplay(
      data.calls[queryId] ?? [],
      pool,
      ADMIN_AUTHORIZATION,
      data.perQueryConcurrency,
    );
  }
  const query = naive[queryId];
  if (!query) throw new Error(`no naive model for ${queryId}`);
  return () => query(naiveClient(pool, ADMIN_AUTHORIZATION, data.perQueryConcurrency));
}

async function run(task: ClientTask): Promise<unknown> {
  switch (task.op) {
    case 'once':
      return unitOf(task.side, task.queryId)();
    case 'load':
      return loadLoop(unitOf(task.side, task.queryId), {
        concurrency: task.concurrency,
        durationS: task.durationS,
      });
    case 'unloaded':
      return unloadedLatency(unitOf(task.side, task.queryId), task.times);
    case 'close':
      return pool.close();
  }
}

parentPort?.on('message', (task: ClientTask & { seq: number }) => {
  run(task).then(
    (result) => parentPort?.postMessage({ seq: task.seq, result }),
    (error: unknown) =>
      parentPort?.postMessage({
        seq: task.seq,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});
