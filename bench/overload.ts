/**
 * `npm run bench:overload`: what the gateway does when Foreman's slots are the bottleneck.
 *
 * - Storm: one burst of 300 concurrent requests of one call each (all different, so none share
 *   a call) against a Foreman that answers in 1.5 s, with FOREMAN_TIMEOUT_MS=4000 and the
 *   gateway's 32 sockets: at most 64 can be served (two rounds). Reports the requests served,
 *   the calls Foreman made for requests that were not served, and when the others were told.
 * - Fairness: Foreman at 400 ms; one caller keeps 200 requests in flight (lists of 50 images),
 *   another sends 10 small requests one after the other. Reports the second caller's median
 *   latency, alone and under the first one's load.
 *
 * Foreman is the demo upstream in a process of its own (`npm run demo-upstream`, 64 request
 * slots, so the gateway's 32 sockets are the limit); the gateway is a child process
 * (`node --import tsx src/main.ts`) with a service account, callers told apart by
 * X-Forwarded-For. `--gateway-dir <checkout>` measures another checkout's gateway (its
 * node_modules in place) against the same Foreman, for before-and-after figures.
 * Only 127.0.0.1 is used; every child is stopped by its pid.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { ADMIN, startForeman, startGateway, stop } from './foreman-process.js';
import { postGraphQL, succeeded } from './http.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    'gateway-dir': { type: 'string', default: '.' },
    runs: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const gatewayDir = resolve(values['gateway-dir'] as string);
const runs = Number(values.runs);

const client = new Agent({ connections: 1_000, keepAliveTimeout: 10_000 });

/** One request as the admin from `from`; `code` says why it was not served (none if it was). */
async function post(url: string, query: string, from: string) {
  const outcome = await postGraphQL(url, query, {
    dispatcher: client,
    authorization: ADMIN,
    headers: { 'x-forwarded-for': from },
  });
  const code = succeeded(outcome)
    ? undefined
    : (outcome.codes[0] ?? outcome.failure ?? `HTTP ${outcome.status}`);
  return { ms: outcome.ms, code };
}

let distinct = 0;
const oneCall = () =>
  `{ architectures(search: "id > ${distinct++ % 100_000}", first: 1) { totalCount } }`;

async function storm(): Promise<Record<string, number | string>> {
  const foreman = await startForeman(1_500);
  const gateway = await startGateway(gatewayDir, foreman.url, {
    FOREMAN_TIMEOUT_MS: '4000',
    UPSTREAM_RETRIES: '0',
  });
  try {
    // Warm: the service account is known to work, and how long the route takes is not yet.
    await post(gateway.url, oneCall(), '198.51.100.200');
    await sleep(500);
    const before = await foreman.calls();
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, n) => post(gateway.url, oneCall(), `198.51.100.${n % 200}`)),
    );
    await sleep(2_000);
    const calls = (await foreman.calls()) - before;
    const served = results.filter((r) => r.code === undefined);
    const turnedAway = results.filter((r) => r.code !== undefined);
    const codes: Record<string, number> = {};
    for (const r of turnedAway) codes[r.code as string] = (codes[r.code as string] ?? 0) + 1;
    return {
      served: served.length,
      goodput: (served.length / 64).toFixed(2),
      'upstream calls': calls,
      'calls for unserved requests': `${Math.max(0, calls - served.length)} (${((100 * Math.max(0, calls - served.length)) / Math.max(1, calls)).toFixed(0)} %)`,
      'turned away p50 ms': Math.round(median(turnedAway.map((r) => r.ms))),
      'served p50 ms': Math.round(median(served.map((r) => r.ms))),
      codes: JSON.stringify(codes),
    };
  } finally {
    await stop(gateway.child);
    await stop(foreman.child);
  }
}

async function fairness(): Promise<Record<string, number | string>> {
  const foreman = await startForeman(400);
  const gateway = await startGateway(gatewayDir, foreman.url, {});
  const small = (n: number) => `{ architecture(id: "${(n % 5) + 1}") { name } }`;
  try {
    await post(gateway.url, small(0), '198.51.100.2');
    const alone: number[] = [];
    for (let n = 0; n < 10; n++) alone.push((await post(gateway.url, small(n), '198.51.100.2')).ms);
    let loading = true;
    let heavyDone = 0;
    const heavy = Array.from({ length: 200 }, async () => {
      while (loading) {
        await post(
          gateway.url,
          `{ images(computeResourceId: "${(distinct % 6) + 1}", first: 50, search: "id > ${distinct++ % 100_000}") { nodes { name } } }`,
          '198.51.100.1',
        );
        heavyDone += 1;
      }
    });
    await sleep(2_000);
    const loaded: number[] = [];
    for (let n = 0; n < 10; n++)
      loaded.push((await post(gateway.url, small(n), '198.51.100.2')).ms);
    loading = false;
    await Promise.all(heavy);
    return {
      'small requests alone, p50 ms': Math.round(median(alone)),
      'under the other caller’s load, p50 ms': Math.round(median(loaded)),
      ratio: (median(loaded) / median(alone)).toFixed(2),
      'heavy requests answered meanwhile': heavyDone,
    };
  } finally {
    await stop(gateway.child);
    await stop(foreman.child);
  }
}

const lines: string[] = [`Gateway: ${gatewayDir}`];
for (let run = 1; run <= runs; run++) {
  if (!values.only || values.only === 'storm') {
    lines.push(`storm run ${run}: ${JSON.stringify(await storm())}`);
    console.log(lines.at(-1));
  }
  if (!values.only || values.only === 'fairness') {
    lines.push(`fairness run ${run}: ${JSON.stringify(await fairness())}`);
    console.log(lines.at(-1));
  }
}
await client.close();
