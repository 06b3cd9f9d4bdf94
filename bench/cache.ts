/**
 * `npm run bench:cache`: what coalescing and the opt-in cache (UPSTREAM_CACHE_TTL_MS) save, next
 * to the same REST calls sent straight to Foreman. Foreman is the demo upstream in a process of
 * its own at 100 ms per request with Puma's 32 slots, as a real Foreman serves: direct REST is
 * capped by those slots at about 320 pages a second, whatever the client does.
 *
 * Figures, one run, side by side:
 * - direct REST: `GET /api/compute_resources/2/images` (R1's one call), 100 connections;
 * - the gateway with a service account, R1 at 100 connections, cache off (coalescing only) and
 *   on (TTL 5 s): throughput, upstream calls per GraphQL request, latency, peak RSS;
 * - CPU per request of a hit (cache on, R1 repeated) and of a miss (every request different, so
 *   neither the cache nor coalescing helps), 10 connections;
 * - a hit's latency at 1 connection;
 * - 50 distinct forwarded users polling R1 (each their own credential, nothing shared between
 *   them; over compute resource 1, which the demo's read-only users may see), cache off and on:
 *   upstream calls per request, and throughput.
 * The gateway is `node --import tsx src/main.ts` as a child; only 127.0.0.1 is used.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { ADMIN, startForeman, startGateway, stop } from './foreman-process.js';
import { basic, postGraphQL, succeeded } from './http.js';
import { type LoopLoadResult, loadLoop } from './load.js';
import { measureCpu, readMemory } from './proc.js';

const { values } = parseArgs({
  options: {
    'gateway-dir': { type: 'string', default: '.' },
    duration: { type: 'string', default: '6' },
  },
});
const gatewayDir = resolve(values['gateway-dir'] as string);
const durationS = Number(values.duration);
const R1 = `{ images(computeResourceId: "2", first: 100) { nodes { name architecture { name } operatingSystem { title } } } }`;
/** R1 over the compute resource the demo's read-only users may see (they may not see 2). */
const R1_LAB = R1.replace('computeResourceId: "2"', 'computeResourceId: "1"');
const agent = new Agent({ connections: 2_000, keepAliveTimeout: 10_000 });

/**
 * `connections` workers, each sending its next request as soon as the last is answered, for the
 * run's duration (or `forS`); `send` resolves false for a failed request.
 */
function load(
  connections: number,
  send: (worker: number) => Promise<boolean>,
  forS = durationS,
): Promise<LoopLoadResult> {
  return loadLoop(
    async (worker) => {
      if (!(await send(worker))) throw new Error('failed');
    },
    { concurrency: connections, durationS: forS },
  );
}

async function graphql(
  url: string,
  query: string,
  authorization = ADMIN,
  variables: Record<string, unknown> = {},
): Promise<boolean> {
  return succeeded(await postGraphQL(url, query, { dispatcher: agent, authorization, variables }));
}

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
const rows: Array<Record<string, unknown>> = [];
const report = (row: Record<string, unknown>) => {
  rows.push(row);
  console.log(JSON.stringify(row));
};

const foreman = await startForeman(100, { slots: 32, extraUsers: 50 });
try {
  // Direct REST: R1's one call, straight to Foreman.
  const direct = await load(100, async () => {
    const response = await request(
      `${foreman.url}/api/compute_resources/2/images?page=1&per_page=100&order=id`,
      { dispatcher: agent, headers: { authorization: ADMIN } },
    );
    await response.body.dump();
    return response.statusCode === 200;
  });
  report({ side: 'direct REST, 100 connections', ...rounded(direct) });

  for (const cache of ['0', '5000']) {
    const gateway = await startGateway(gatewayDir, foreman.url, { UPSTREAM_CACHE_TTL_MS: cache });
    try {
      const pid = gateway.child.pid as number;
      const label = cache === '0' ? 'cache off' : 'cache on (TTL 5 s)';
      // Warm: a second of the same load (compiled code, sockets, caches), not measured.
      await load(100, () => graphql(gateway.url, R1), 1);
      // R1 at 100 connections: throughput, upstream calls per request, memory.
      let before = await foreman.calls();
      const heavy = await load(100, () => graphql(gateway.url, R1));
      let calls = (await foreman.calls()) - before;
      report({
        side: `gateway, service account, ${label}, R1, 100 connections`,
        ...rounded(heavy),
        'upstream calls per request': round(calls / heavy.completed, 3),
        '÷ direct': round(heavy.perSecond / direct.perSecond, 2),
        'latency vs 100 ÷ throughput (ms)': `${round(heavy.p50)} vs ${round(100_000 / heavy.perSecond)}`,
        'peak RSS MiB': round((readMemory(pid)?.hwmKiB ?? 0) / 1024),
      });
      // CPU per request: repeated R1 (hits when the cache is on), 10 connections.
      const cpu = await cpuPerRequest(pid, () => load(10, () => graphql(gateway.url, R1)));
      report({ side: `${label}: R1 repeated, 10 connections`, 'CPU ms per request': cpu });
      if (cache !== '0') {
        // A miss: R1's document with a search that differs every time (in a variable, so the
        // parsed document is shared), so that neither the cache nor coalescing helps.
        let distinct = 0;
        const missing = R1.replace('first: 100', 'first: 100, search: $search').replace(
          '{ images',
          'query($search: String) { images',
        );
        const miss = await cpuPerRequest(pid, () =>
          load(10, () =>
            graphql(gateway.url, missing, ADMIN, { search: `name !~ zz${distinct++}` }),
          ),
        );
        report({
          side: `${label}: misses (all different), 10 connections`,
          'CPU ms per request': miss,
        });
        const one = await load(1, () => graphql(gateway.url, R1));
        report({ side: `${label}: R1 hit at 1 connection`, ...rounded(one) });
      }
      await stop(gateway.child);
      // 50 distinct users, each with their own credential (forwarded), polling R1.
      const forwarding = await startGateway(gatewayDir, foreman.url, {
        UPSTREAM_CACHE_TTL_MS: cache,
        FOREMAN_USERNAME: '',
        FOREMAN_PASSWORD: '',
      });
      try {
        const user = (n: number) => basic(`user${n + 1}`, `user${n + 1}`);
        for (let n = 0; n < 50; n++) await graphql(forwarding.url, R1_LAB, user(n));
        before = await foreman.calls();
        const users = await load(50, (worker) => graphql(forwarding.url, R1_LAB, user(worker)));
        calls = (await foreman.calls()) - before;
        report({
          side: `50 forwarded users polling R1, ${label}`,
          ...rounded(users),
          'upstream calls per request': round(calls / users.completed, 3),
        });
      } finally {
        await stop(forwarding.child);
      }
    } finally {
      await stop(gateway.child);
    }
  }
} finally {
  await stop(foreman.child);
  await agent.close();
}

function rounded(result: LoopLoadResult) {
  return {
    requests: result.completed,
    failed: result.errors,
    'per second': round(result.perSecond),
    'p50 ms': round(result.p50, 1),
    'p99 ms': round(result.p99, 1),
  };
}

async function cpuPerRequest(pid: number, run: () => Promise<LoopLoadResult>): Promise<number> {
  await sleep(200);
  const cpu = measureCpu(pid);
  const result = await run();
  return round(cpu.stop(result.completed)?.perRequestMs ?? Number.NaN, 3);
}
