import { Pool } from 'undici';
import { startGateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { ADMIN, postGraphQL } from './http.js';
import { pickEntityImageIds, type ReferenceQuery, referenceQueries } from './queries.js';
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
  const demo = await startDemo({ latencyMs: PLANNING_LATENCY_MS });
  const waves = trackWaves(demo);
  const config = loadConfig({
    FOREMAN_URL: demo.url,
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
  });
  const server = await startGateway({
    config,
    foremanUrl: demo.url,
    logger: createLogger('silent'),
  });
  const rest = new Pool(demo.url);
  try {
    const entityImageIds = await pickEntityImageIds(rest, ADMIN);
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
    await server.stop();
    await rest.close();
    await demo.close();
  }
}

/** One GraphQL request as the admin; the parsed JSON body, which must have come with a 2xx. */
export async function postQuery(serverUrl: string, query: ReferenceQuery): Promise<unknown> {
  const answer = await postGraphQL(`${serverUrl}/graphql`, query.body.query, {
    authorization: ADMIN,
    variables: query.body.variables,
  });
  if (answer.status < 200 || answer.status >= 300) {
    throw new Error(
      `${query.id}: HTTP ${answer.status} ${answer.failure ?? JSON.stringify(answer.body)}`,
    );
  }
  return answer.body;
}
