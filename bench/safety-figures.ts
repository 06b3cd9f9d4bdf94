import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Agent, request } from 'undici';
import type { DemoUpstream, DemoUpstreamOptions } from '../src/demo/index.js';
import { type ServerProcess, startGatewayProcess } from './foreman-process.js';
import { ADMIN, type GraphQLOutcome, newAgent, postGraphQL } from './http.js';
import { sampleMemory } from './proc.js';
import { percentile } from './stats.js';
import { startDemo } from './upstream.js';
import type { GatewayVariant } from './variants.js';

/**
 * The figures of `npm run bench:safety`, each measured on one gateway variant with a fresh demo
 * upstream (or hung server) and a fresh gateway child, so no figure inherits another's caches or
 * memory. Every figure returns labelled rows; the report puts the BEFORE and AFTER values of a
 * label side by side. The numbers are those of the first version (1–8); 1, 2, 5 and 6 were
 * pass/fail checks, now integration tests (see bench/README.md).
 */

export type Row = [label: string, value: string];

export interface Figure {
  id: string;
  title: string;
  /** How it is measured, for the report. */
  method: string;
  run(variant: GatewayVariant): Promise<Row[]>;
}

const ONE_ROOT_FIELD = '{ architectures { totalCount } }';

// ---------------------------------------------------------------------------------------------
// Set-up: one upstream and one gateway child per measurement, always stopped again.

interface Setup {
  gateway: ServerProcess;
  /** Its GraphQL endpoint. */
  endpoint: string;
  /** A client pool used only for this measurement. */
  agent: Agent;
  /** The demo upstream, when the gateway has one. */
  demo: DemoUpstream | undefined;
}

/** What each gateway child wrote at warn level or above, for the report's last section. */
const outputs: Array<{ gateway: string; output: string }> = [];

export function drainGatewayOutput(): Array<{ gateway: string; output: string }> {
  return outputs.splice(0);
}

/**
 * Runs `body` against a gateway child of `variant` that calls `upstreamUrl`, with a fresh demo
 * upstream unless one is given; stops them and the client pool afterwards, also when `body`
 * throws. SHUTDOWN_GRACE_MS is 1 s unless `env` says otherwise: a child stopped with requests
 * still running should not hold the run for 10 s.
 */
async function withGateway<T>(
  variant: GatewayVariant,
  upstream: { url: string } | DemoUpstreamOptions,
  env: Record<string, string>,
  body: (setup: Setup) => Promise<T>,
): Promise<T> {
  const demo = 'url' in upstream ? undefined : await startDemo(upstream);
  try {
    const gateway = await startGatewayProcess({
      foremanUrl: demo?.url ?? (upstream as { url: string }).url,
      cwd: variant.cwd,
      logLevel: 'warn',
      env: { SHUTDOWN_GRACE_MS: '1000', ...env },
    });
    const agent = newAgent();
    try {
      return await body({ gateway, endpoint: `${gateway.url}/graphql`, agent, demo });
    } finally {
      await agent.destroy();
      await gateway.stop();
      outputs.push({ gateway: variant.label, output: gateway.output() });
    }
  } finally {
    await demo?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

function times<T>(count: number, make: (index: number) => T): T[] {
  return Array.from({ length: count }, (_, index) => make(index));
}

/** One at a time, in order: the next starts when the previous has answered. */
async function sequentially<T>(count: number, send: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let index = 0; index < count; index++) results.push(await send(index));
  return results;
}

/** `40× 200 UNAUTHENTICATED, 2× no answer (AbortError)`: how many answers of each kind. */
function tally(outcomes: readonly GraphQLOutcome[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) {
    const codes = [...new Set(outcome.codes)].join('+');
    const key =
      outcome.status === 0
        ? `no answer (${outcome.failure ?? 'unknown'})`
        : `${outcome.status}${codes ? ` ${codes}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${count}× ${key}`)
    .join(', ');
}

/** Resident set size of the child now, in MiB (Linux /proc). */
function rssMiB(gateway: ServerProcess): number {
  return (gateway.memory()?.rssKiB ?? Number.NaN) / 1024;
}

const mib = (value: number) => `${value.toFixed(0)} MiB`;
/** A change in MiB with its sign: `+79 MiB`, `−8 MiB`. */
const deltaMib = (value: number) => `${value < 0 ? '−' : '+'}${mib(Math.abs(value))}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------------
// 3. Memory under distinct documents sent without credentials.

/**
 * A document of about `bytes` bytes made of distinct aliases of `__typename`, unique to `tag`:
 * valid GraphQL that parses into a large AST, needs no upstream call, and never repeats (a cache
 * keyed by the text keeps every one). About 45 bytes and 3 tokens per alias.
 */
function aliasDocument(tag: string, bytes: number): string {
  const parts: string[] = ['{'];
  let length = 2;
  for (let index = 0; length < bytes - 40; index++) {
    const field = ` ${tag}_${String(index).padStart(5, '0')}_distinct_alias: __typename`;
    parts.push(field);
    length += field.length;
  }
  parts.push(' }');
  return parts.join('');
}

const LARGE_DOCUMENT_BYTES = 98_000;
const MEDIUM_DOCUMENT_BYTES = 30_000;
/** Lexical tokens of a medium document (3 per alias, 2 braces): under AFTER's 5,000. */
const MEDIUM_DOCUMENT_TOKENS =
  (aliasDocument('M0', MEDIUM_DOCUMENT_BYTES).match(/:/g)?.length ?? 0) * 3 + 2;

const documentMemory: Figure = {
  id: '3',
  title: 'Memory under documents sent without credentials',
  method: `No Authorization header, one request after the other: 30 distinct documents of ${LARGE_DOCUMENT_BYTES / 1000} KB (distinct aliases of \`__typename\`; JSON body under 100 KB), then 2 × 300 distinct ones of ${MEDIUM_DOCUMENT_BYTES / 1000} KB (${MEDIUM_DOCUMENT_TOKENS} tokens: within AFTER's 32 KiB and 5,000-token limits). RSS of the gateway after one small warm-up query and 1 s, and 1 s after each series (same process). RSS also holds garbage V8 has not collected, and heap it grew and keeps for reuse: the second 300 tell memory that is kept (it grows again) from heap that is reused (it does not).`,
  run: (variant) =>
    withGateway(variant, {}, {}, async ({ gateway, endpoint, agent }) => {
      const send = (query: string) => postGraphQL(endpoint, query, { dispatcher: agent });
      const series = async (count: number, tag: string, bytes: number) => {
        const answers = await sequentially(count, (i) => send(aliasDocument(`${tag}${i}`, bytes)));
        await sleep(1_000);
        return { answers, rss: rssMiB(gateway) };
      };
      await send('{ __typename }');
      await sleep(1_000);
      const start = rssMiB(gateway);
      const large = await series(30, 'L', LARGE_DOCUMENT_BYTES);
      const medium = await series(300, 'M', MEDIUM_DOCUMENT_BYTES);
      // 300 more: memory a cache keeps grows again; heap V8 grew for garbage is reused.
      const more = await series(300, 'N', MEDIUM_DOCUMENT_BYTES);
      const mediumSize = `${MEDIUM_DOCUMENT_BYTES / 1000} KB`;
      return [
        ['RSS at start', mib(start)],
        [
          `RSS after 30 × ${LARGE_DOCUMENT_BYTES / 1000} KB`,
          `${mib(large.rss)} (${deltaMib(large.rss - start)})`,
        ],
        [`30 × ${LARGE_DOCUMENT_BYTES / 1000} KB: answers`, tally(large.answers)],
        [
          `RSS after 300 more × ${mediumSize}`,
          `${mib(medium.rss)} (${deltaMib(medium.rss - large.rss)})`,
        ],
        [
          `RSS after another 300 × ${mediumSize}`,
          `${mib(more.rss)} (${deltaMib(more.rss - medium.rss)}; ${deltaMib(more.rss - start)} from start)`,
        ],
        [`600 × ${mediumSize}: answers`, tally([...medium.answers, ...more.answers])],
      ];
    }),
};

// ---------------------------------------------------------------------------------------------
// 4. The GraphiQL page to clients that never read.

const graphiqlPage: Figure = {
  id: '4',
  title: 'GraphiQL page to clients that never read',
  method:
    '60 raw TCP connections, each sending `GET /graphql` with `Accept: text/html` and no Accept-Encoding (the 9 MB identity page), then paused, never reading. RSS before (after one full page load and 1 s), 2 s after the 60 requests were written, and its peak over 5 s (sampled every 50 ms); then the sockets are destroyed.',
  run: (variant) =>
    withGateway(variant, {}, {}, async ({ gateway, endpoint, agent }) => {
      // One whole page first: whatever the first page load allocates once is not counted.
      const page = await request(endpoint, { dispatcher: agent, headers: { accept: 'text/html' } });
      await page.body.dump({ limit: 64 * 1024 * 1024 });
      await sleep(1_000);
      const start = rssMiB(gateway);
      const { host } = new URL(gateway.url);
      // Sampled every 50 ms as well: on a busy machine the gateway may not have served all 60
      // within 2 s, so the peak over 5 s says what the 60 cost once all were served.
      const sampler = sampleMemory(gateway.pid);
      let held = Number.NaN;
      let peak = Number.NaN;
      const clients = await openSilentClients(
        gateway.url,
        60,
        `GET /graphql HTTP/1.1\r\nHost: ${host}\r\nAccept: text/html\r\n\r\n`,
      ).catch((error: unknown) => {
        sampler.stop();
        throw error;
      });
      try {
        await sleep(2_000);
        held = rssMiB(gateway);
        await sleep(3_000);
      } finally {
        peak = (sampler.stop()?.peakRssKiB ?? Number.NaN) / 1024;
        clients.destroy();
      }
      return [
        ['one full page load (warm-up)', `HTTP ${page.statusCode}`],
        ['RSS before', mib(start)],
        ['RSS 2 s after 60 unread requests', `${mib(held)} (${deltaMib(held - start)})`],
        ['peak RSS within 5 s', `${mib(peak)} (${deltaMib(peak - start)})`],
      ];
    }),
};

/**
 * `count` connections that each send one HTTP/1.1 request and then never read: the socket is
 * paused, so the answer piles up in the kernel's buffers and then in the server's memory.
 * Resolves once every request has been written; `destroy()` ends them all.
 */
async function openSilentClients(
  url: string,
  count: number,
  head: string,
): Promise<{ destroy(): void }> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  const destroy = () => {
    for (const socket of sockets) socket.destroy();
  };
  try {
    for (let i = 0; i < count; i++) {
      const socket = connect({ host: hostname, port: Number(port) });
      sockets.push(socket);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.pause();
      socket.write(head);
    }
  } catch (error) {
    destroy();
    throw error;
  }
  return { destroy };
}

// ---------------------------------------------------------------------------------------------
// 7. A Foreman that accepts connections and never answers.

const hungForeman: Figure = {
  id: '7',
  title: 'A hung Foreman',
  method:
    'A TCP server on 127.0.0.1 that accepts and never answers; FOREMAN_TIMEOUT_MS=4000; 200 concurrent `{ architectures { totalCount } }` as admin (client gives up after 90 s). Time from sending to the answer.',
  run: async (variant) => {
    const hung = await startHungServer();
    try {
      return await withGateway(
        variant,
        { url: hung.url },
        { FOREMAN_TIMEOUT_MS: '4000' },
        async ({ endpoint, agent }) => {
          const outcomes = await Promise.all(
            times(200, () =>
              postGraphQL(endpoint, ONE_ROOT_FIELD, {
                dispatcher: agent,
                authorization: ADMIN,
                signal: AbortSignal.timeout(90_000),
              }),
            ),
          );
          const timedOut = outcomes.filter((o) => o.codes.includes('UPSTREAM_TIMEOUT'));
          const sorted = Float64Array.from(timedOut.map((o) => o.ms)).sort();
          return [
            ['answers', tally(outcomes)],
            [
              'time to UPSTREAM_TIMEOUT, p50 / max',
              sorted.length === 0
                ? '—'
                : `${seconds(percentile(sorted, 50))} / ${seconds(sorted.at(-1) ?? Number.NaN)}`,
            ],
          ];
        },
      );
    } finally {
      await hung.close();
    }
  },
};

/** A "Foreman" that accepts connections and never answers; `close()` drops them all. */
async function startHungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// 8. Shutdown.

const SHUTDOWN_GRACE_MS = 2_000;

/** SIGTERM to the child: how long until it exited, and how. */
async function terminate(gateway: ServerProcess): Promise<string> {
  const sent = performance.now();
  process.kill(gateway.pid, 'SIGTERM');
  const exit = await Promise.race([gateway.exited, sleep(30_000).then(() => undefined)]);
  const ms = performance.now() - sent;
  if (!exit) return 'still running after 30 s (killed)';
  return `${seconds(ms)} (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})`;
}

const shutdown: Figure = {
  id: '8',
  title: 'Shutdown',
  method: `SHUTDOWN_GRACE_MS=${SHUTDOWN_GRACE_MS}. (a) One \`{ architectures { totalCount } }\` in flight whose upstream call the demo delays 10 s (\`injectFault({ delayMs: 10000 })\`); SIGTERM once the demo has received it. (b) A fresh gateway with nothing in flight and one idle keep-alive client connection (one \`GET /graphql?query=…\` as admin answered, socket left open; the gateway's pool to the demo then holds an idle socket too); SIGTERM. Time from SIGTERM to the child's exit (and its exit code), measured by the bench process.`,
  run: async (variant) => [...(await shutdownInFlight(variant)), ...(await shutdownIdle(variant))],
};

function shutdownInFlight(variant: GatewayVariant): Promise<Row[]> {
  return withGateway(
    variant,
    {},
    { SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) },
    async ({ gateway, endpoint, agent, demo }) => {
      const upstream = demo as DemoUpstream;
      upstream.injectFault({ path: '/api/architectures', delayMs: 10_000, times: 1 });
      const sentAt = performance.now();
      const answer = postGraphQL(endpoint, ONE_ROOT_FIELD, {
        dispatcher: agent,
        authorization: ADMIN,
        signal: AbortSignal.timeout(30_000),
      });
      const deadline = sentAt + 10_000;
      while (upstream.requests.length === 0) {
        if (performance.now() > deadline) {
          throw new Error('figure 8: the demo never received the in-flight request');
        }
        await sleep(10);
      }
      const sigtermAt = performance.now();
      const exit = await terminate(gateway);
      const outcome = await answer;
      return [
        ['in flight: SIGTERM to exit', exit],
        [
          'in flight: the client got',
          `${tally([outcome])}, ${seconds(sentAt + outcome.ms - sigtermAt)} after SIGTERM`,
        ],
      ];
    },
  );
}

/**
 * One keep-alive connection that sends `GET <path>` with `headers`, reads the answer's first
 * bytes, and then stays open and idle. `closedAt()` is when the server closed it
 * (performance.now()), if it did.
 */
async function openIdleKeepAlive(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ closedAt(): number | undefined; destroy(): void }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let closedAt: number | undefined;
  socket.on('error', () => undefined);
  socket.once('close', () => {
    closedAt = performance.now();
  });
  const answered = new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
  });
  const head = Object.entries({ ...headers, host: `${hostname}:${port}`, connection: 'keep-alive' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`GET ${path} HTTP/1.1\r\n${head}\r\n`);
  await Promise.race([
    answered,
    sleep(10_000).then(() => {
      throw new Error(`no answer to GET ${path} within 10 s`);
    }),
  ]);
  // Let the rest of the (small) answer arrive, so the connection is idle, not mid-response.
  await sleep(200);
  return { closedAt: () => closedAt, destroy: () => socket.destroy() };
}

function shutdownIdle(variant: GatewayVariant): Promise<Row[]> {
  return withGateway(
    variant,
    {},
    { SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) },
    async ({ gateway }) => {
      // A real query, so the gateway's pool to Foreman also holds an idle keep-alive socket.
      const client = await openIdleKeepAlive(
        gateway.url,
        `/graphql?query=${encodeURIComponent(ONE_ROOT_FIELD)}`,
        { accept: 'application/json', authorization: ADMIN, 'x-graphql-yoga-csrf': '1' },
      );
      try {
        const sent = performance.now();
        const exit = await terminate(gateway);
        const closedAt = client.closedAt();
        return [
          ['idle keep-alive: SIGTERM to exit', exit],
          [
            'idle keep-alive: server closed the connection',
            closedAt === undefined
              ? 'not before exit'
              : `${seconds(closedAt - sent)} after SIGTERM`,
          ],
        ];
      } finally {
        client.destroy();
      }
    },
  );
}

export const FIGURES: readonly Figure[] = [documentMemory, graphiqlPage, hungForeman, shutdown];
