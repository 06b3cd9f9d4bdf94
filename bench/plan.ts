import { loadConfig } from '../src/config.js';
import { createUpstreamPool } from '../src/foreman/pool.js';
import { createGateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { listen } from '../src/server.js';
import { pickEntityImageIds, type ReferenceQuery, referenceQueries } from './queries.js';
import { ADMIN_AUTHORIZATION } from './rest.js';
import { type PlannedCall, startDemo, trackWaves } from './upstream.js';

/** Added upstream latency while planning: far above the gateway's own time between waves. */
const PLANNING_LATENCY_MS = 50;

export interface Plan {
  entityImageIds: number[];
  queries: ReferenceQuery[];
  /** The REST calls the gateway made for each query, with their dependency waves. */
  calls: Record<string, PlannedCall[]>;
}

/**
 * Before anything is timed: picks R4's image ids from the demo's REST API and records which REST
 * calls the gateway makes for each query, in which order. Runs the gateway in this process (as the
 * test harness does) against a slow demo, so the dependency waves are unambiguous; nothing here is
 * measured.
 */
export async function planQueries(queryIds: readonly string[]): Promise<Plan> {
  const demo = await startDemo(PLANNING_LATENCY_MS);
  const waves = trackWaves(demo);
  const config = loadConfig({ FOREMAN_URL: demo.url, LOG_LEVEL: 'silent' });
  const pool = createUpstreamPool({
    foremanUrl: demo.url,
    connectTimeoutMs: config.foremanConnectTimeoutMs,
    connections: config.limits.upstreamConnections,
  });
  const gateway = createGateway({
    config,
    foremanUrl: demo.url,
    dispatcher: pool,
    logger: createLogger('silent'),
    metrics: createMetrics(),
  });
  const server = await listen(gateway, {
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: config.limits.maxBodyBytes,
  });
  try {
    const entityImageIds = await pickEntityImageIds(pool, ADMIN_AUTHORIZATION);
    const queries = referenceQueries(entityImageIds).filter((q) => queryIds.includes(q.id));
    const calls: Record<string, PlannedCall[]> = {};
    for (const query of queries) {
      demo.resetRequests();
      const response = await postQuery(server.url, query);
      const problem = query.check(response);
      if (problem) throw new Error(`${query.id} is not answered as expected: ${problem}`);
      calls[query.id] = waves.planOf(demo.requests);
    }
    return { entityImageIds, queries, calls };
  } finally {
    await server.close();
    await pool.close();
    await demo.close();
  }
}

/** One GraphQL request as the admin; the parsed JSON body. */
export async function postQuery(gatewayUrl: string, query: ReferenceQuery): Promise<unknown> {
  const response = await fetch(`${gatewayUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: ADMIN_AUTHORIZATION,
    },
    body: JSON.stringify(query.body),
  });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${query.id}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}
