import type { Pool } from 'undici';
import { createUpstreamPool } from '../src/foreman/http/pool.js';
import type { ClientData, ClientTask, Side } from './client.js';
import { ADMIN } from './http.js';
import { loadLoop, unloadedLatency } from './load.js';
import { type NaiveQuery, naiveClient, naiveQueries } from './naive.js';
import { directReplay } from './replay.js';

/**
 * The direct replay and the naive model run here, in a process of their own (see client.ts), so
 * that, like the gateway, they parse upstream JSON on a different core from the demo upstream and
 * their CPU time can be read from /proc. Tasks arrive one at a time from client.ts; `init` first.
 */
let data: ClientData;
let pool: Pool;
let naive: Record<string, NaiveQuery>;

function init(received: ClientData): void {
  data = received;
  pool = createUpstreamPool({
    foremanUrl: data.demoUrl,
    connectTimeoutMs: 5_000,
    connections: data.upstreamConnections,
  });
  naive = naiveQueries(data.entityImageIds);
}

function unitOf(side: Side, queryId: string): () => Promise<void> {
  if (side === 'direct') {
    return directReplay(data.calls[queryId] ?? [], pool, ADMIN, data.perQueryConcurrency);
  }
  const query = naive[queryId];
  if (!query) throw new Error(`no naive model for ${queryId}`);
  return () => query(naiveClient(pool, ADMIN, data.perQueryConcurrency));
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

type Message = (ClientTask | { op: 'init'; data: ClientData }) & { seq: number };

process.on('message', (message: Message) => {
  const reply = (answer: { result?: unknown; error?: string }) =>
    process.send?.({ seq: message.seq, ...answer });
  const failed = (error: unknown) =>
    reply({ error: error instanceof Error ? error.message : String(error) });
  if (message.op === 'init') {
    // Synchronously, so every later task finds the pool.
    try {
      init(message.data);
      reply({});
    } catch (error) {
      failed(error);
    }
    return;
  }
  run(message).then((result) => reply({ result }), failed);
});
