/**
 * `npm run bench:soak`: whether the gateway's memory stays flat under steady mixed traffic with
 * faults, for minutes.
 *
 * The demo Foreman runs in a process of its own (with its control API), the gateway in another
 * (callers' own credentials forwarded, its default log level, its output counted and dropped),
 * both on the Node chosen with `--node`. For `--seconds` (180), `--concurrency` workers (8) each
 * send one GraphQL request after another from an address of their own (X-Forwarded-For), at most
 * `--rate` (210) a second in all, so that runs on faster Nodes do the same work: 72 % reads by
 * the admin and the viewer, with passwords and personal access tokens; the rest creates, updates
 * and deletes by the admin, and deletes the viewer may not make (FORBIDDEN). Most documents carry
 * their literals (ids, searches, names), so most are new to the parse cache. Three subscriptions
 * stay open (two over SSE, one over graphql-ws) and are reopened every 20 s or when they end.
 * Every 15 s one of seven fault sets is injected into Foreman for 6 s, and one account changes:
 * the viewer's token is replaced (the old one revoked) or its password changed, and the old
 * secret is still sent for 2 s, as clients that have not heard do. Foreman's count of failed
 * logins is read and cleared every 15 s (the most it reached is reported): the 401 fault set
 * refuses whichever credentials it meets, and those failures would add up within Foreman's
 * 5-minute window.
 *
 * Every second the gateway's V8 heap used (`nodejs_heap_size_used_bytes` from /metrics) and its
 * RSS (/proc) are sampled, and V8's trace of its collections (`--trace-gc`) gives the heap left
 * after each full one. The report gives, per third of the run, the heap floor (the least heap
 * left after a full collection, and the least heap used sampled), the highest RSS, the floor's
 * rise from the middle third to the last, requests per second, HTTP 5xx, and the error codes
 * received.
 *
 * Whatever the gateway keeps for a time lasts less than half the default run here:
 * REFUSED_CREDENTIAL_TTL_MS is 5 s (so that a 401 fault does not refuse the admin for a
 * minute), FOREMAN_FAILED_LOGIN_WINDOW_MS 10 s, AUDIT_GRACE_MS its 60 s; a told change is kept
 * until both routes have brought it, a poll later. The rest is bounded by size (the parse cache,
 * where images were seen, the credentials the login guard knows).
 *
 * `--snapshots <dir>` has the gateway write a V8 heap snapshot (`--heapsnapshot-signal`) a third
 * of the way in and at the end, for `bench/heap-diff.ts` to compare (writing one takes seconds
 * and leaves RSS higher: the RSS figures of such a run mean little).
 * `--gateway-dir <checkout>` measures another checkout's gateway (before and after figures).
 * `--out <file>` writes the summary, every sample and every full collection as JSON.
 * `--max-old-space <MB>` gives the gateway that `--max-old-space-size`, as a container's memory
 * limit would: on a host with much memory V8 lets the heap grow far past what is live before it
 * collects, and RSS follows.
 * Only 127.0.0.1 is used; every child is stopped by its pid.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { DEMO_ADMIN_TOKEN, DEMO_VIEWER, DEMO_VIEWER_TOKEN } from '../src/demo/index.js';
import { startForeman, startGateway, stop } from './foreman-process.js';
import { ADMIN, basic, postGraphQL } from './http.js';
import { readMemory } from './proc.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    node: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    rate: { type: 'string', default: '210' },
    latency: { type: 'string', default: '2' },
    'gateway-dir': { type: 'string', default: '.' },
    snapshots: { type: 'string' },
    'max-old-space': { type: 'string' },
    out: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
/** Requests started per second, at most (0: as fast as the workers go). */
const rate = Number(values.rate);
if (!(seconds >= 15) || !(concurrency >= 1)) throw new Error('--seconds ≥ 15, --concurrency ≥ 1');
const gatewayDir = resolve(values['gateway-dir'] as string);
const node = nodeBinary(values.node);
const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
const snapshotDir = values.snapshots ? resolve(values.snapshots) : undefined;

/** `22` → the binary of the newest Node 22 (fetched by npx once); a path as it is. */
function nodeBinary(choice: string | undefined): string {
  if (choice === undefined) return process.execPath;
  if (!/^\d+$/.test(choice)) return choice;
  return execFileSync('npx', ['-y', '-p', `node@${choice}`, 'node', '-p', 'process.execPath'], {
    encoding: 'utf8',
  }).trim();
}

/** The viewer's secrets as the account changes: the current ones, and the last replaced one. */
const viewer = {
  password: DEMO_VIEWER.password,
  token: DEMO_VIEWER_TOKEN,
  /** Sent by "clients that have not heard" until `staleUntil`. */
  stale: undefined as string | undefined,
  staleUntil: 0,
};
const ADMIN_PASSWORD = ADMIN;
const ADMIN_TOKEN = basic('admin', DEMO_ADMIN_TOKEN);

/** A small deterministic generator, so that two runs send the same mix. */
let seed = 0x2f6e2b1;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
const counts = {
  requests: 0,
  http5xx: 0,
  byStatus: {} as Record<string, number>,
  codes: {} as Record<string, number>,
  codesByOperation: {} as Record<string, number>,
  /** The first message seen with each code. */
  messages: {} as Record<string, string>,
  operations: {} as Record<string, number>,
  transportErrors: 0,
};
const count = (table: Record<string, number>, key: string) => {
  table[key] = (table[key] ?? 0) + 1;
};

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

async function graphql(
  url: string,
  operation: string,
  authorization: string,
  from: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Answer | undefined> {
  count(counts.operations, operation);
  const outcome = await postGraphQL(url, query, {
    dispatcher: agent,
    authorization,
    variables,
    headers: { 'x-forwarded-for': from },
  });
  if (outcome.status === 0) {
    counts.transportErrors += 1;
    return undefined;
  }
  counts.requests += 1;
  count(counts.byStatus, String(outcome.status));
  if (outcome.status >= 500) counts.http5xx += 1;
  const answer = outcome.body as Answer | undefined;
  outcome.codes.forEach((code, n) => {
    count(counts.codes, code);
    count(counts.codesByOperation, `${operation}: ${code}`);
    counts.messages[code] ??= answer?.errors?.[n]?.message ?? '';
  });
  return answer;
}

/**
 * Waits for the next start the rate allows: the same work every second whatever the Node or the
 * machine, so that memory over time compares between runs (a worker still waits for its answer:
 * slow faults lower the rate).
 */
let nextStart = 0;
async function paced(): Promise<void> {
  if (!(rate > 0)) return;
  const now = performance.now();
  nextStart = Math.max(nextStart + 1_000 / rate, now);
  if (nextStart > now) await sleep(nextStart - now);
}

/** Images this run created and has not deleted, for updates and deletes (and reads by id). */
const ours: number[] = [];
let made = 0;
const IMAGE = 'id foremanId name computeResource { name } architecture { name }';

/** One request of the mix, as worker `n` (its own client address). */
async function oneRequest(url: string, from: string, hasHistory: boolean): Promise<void> {
  const roll = random();
  if (roll < 0.72) {
    const asViewer = random() < 0.4;
    const [who, authorization] = asViewer
      ? viewer.stale !== undefined && Date.now() < viewer.staleUntil && random() < 0.3
        ? ['viewer, replaced secret', viewer.stale]
        : random() < 0.5
          ? ['viewer, password', basic('viewer', viewer.password)]
          : ['viewer, token', basic('viewer', viewer.token)]
      : random() < 0.5
        ? ['admin, password', ADMIN_PASSWORD]
        : ['admin, token', ADMIN_TOKEN];
    // The viewer sees compute resource 1 only (the Lab location).
    const cr = asViewer ? 1 : 1 + Math.floor(random() * 7);
    const reads: Array<[string, string]> = [
      [
        'images',
        `{ images(computeResourceId: "${cr}", first: 20, search: "id > ${Math.floor(random() * 400)}") { totalCount nodes { id name architecture { name } operatingSystem { title } } } }`,
      ],
      ['architecture', `{ architecture(id: "${1 + Math.floor(random() * 5)}") { name } }`],
      [
        'all-images',
        `{ images(first: 30, search: "name ~ ${pick(['rhel', 'ubuntu', 'soak', 'debian'])}") { nodes { id name computeResource { name } } } }`,
      ],
      ['compute-resources', '{ computeResources(first: 10) { nodes { name provider } } }'],
    ];
    const recent = ours.length > 0 ? pick(ours) : undefined;
    if (recent !== undefined) {
      reads.push([
        'image-by-id',
        `{ image(id: "${recent}") { name operatingSystem { name major } ${hasHistory ? 'history(first: 3) { nodes { action } }' : ''} } }`,
      ]);
    }
    const [operation, query] = pick(reads);
    await graphql(url, `read ${operation} (${who})`, authorization, from, query);
    return;
  }
  // The demo's data stays about the same size: creates and deletes balance around 200 images.
  if ((roll < 0.8 && ours.length < 400) || ours.length === 0) {
    made += 1;
    const answer = await graphql(
      url,
      'create',
      ADMIN_PASSWORD,
      from,
      `mutation($input: CreateImageInput!) { createImage(input: $input) { image { ${IMAGE} } errors { __typename message } } }`,
      {
        input: {
          computeResourceId: '1',
          architectureId: '1',
          operatingSystemId: '1',
          name: `soak-${made}`,
          username: 'root',
          uuid: `/var/lib/libvirt/images/soak-${made}.qcow2`,
          password: 'soak-secret',
        },
      },
    );
    const created = (answer?.data?.createImage as { image?: { foremanId: number } } | null)?.image;
    if (created) ours.push(created.foremanId);
    return;
  }
  const id = pick(ours);
  if (roll >= 0.8 && roll < 0.88) {
    await graphql(
      url,
      'update',
      pick([ADMIN_PASSWORD, ADMIN_TOKEN]),
      from,
      `mutation { updateImage(input: { id: "${id}", name: "soak-renamed-${made}-${id}" }) { image { ${IMAGE} } errors { __typename message } } }`,
    );
    return;
  }
  if (roll < 0.95 || ours.length >= 400) {
    ours.splice(ours.indexOf(id), 1);
    await graphql(
      url,
      'delete',
      ADMIN_TOKEN,
      from,
      `mutation { deleteImage(input: { id: "${id}" }) { deletedId errors { __typename message } } }`,
    );
    return;
  }
  await graphql(
    url,
    'forbidden delete',
    basic('viewer', viewer.password),
    from,
    `mutation { deleteImage(input: { id: "${id}" }) { deletedId errors { __typename message } } }`,
  );
}

const SUBSCRIPTION = 'subscription { imageChanged { action foremanId image { name } } }';
const subscriptions = { opened: 0, events: 0, errors: 0 };

/** An SSE subscription, reopened every 20 s and whenever it ends, until `running()` is false. */
async function keepSse(url: string, authorization: () => string, running: () => boolean) {
  while (running()) {
    const controller = new AbortController();
    const reopen = setTimeout(() => controller.abort(), 20_000);
    try {
      subscriptions.opened += 1;
      const response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: authorization(),
        },
        body: JSON.stringify({ query: SUBSCRIPTION }),
        signal: controller.signal,
      });
      for await (const chunk of response.body) {
        const text = (chunk as Buffer).toString();
        subscriptions.events += text.split('event: next').length - 1;
        if (!running()) break;
      }
    } catch {
      if (!controller.signal.aborted) subscriptions.errors += 1;
    } finally {
      clearTimeout(reopen);
      controller.abort();
    }
    await sleep(200);
  }
}

/** A graphql-ws subscription, likewise; false if the gateway does not speak graphql-ws. */
async function keepWebSocket(
  url: string,
  authorization: string,
  running: () => boolean,
): Promise<boolean> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    retryAttempts: 0,
    lazy: true,
  });
  let everOpened = false;
  try {
    while (running()) {
      const ended = new Promise<void>((done) => {
        subscriptions.opened += 1;
        const dispose = client.subscribe(
          { query: SUBSCRIPTION },
          {
            next: () => {
              everOpened = true;
              subscriptions.events += 1;
            },
            error: () => {
              subscriptions.errors += 1;
              done();
            },
            complete: () => done(),
          },
        );
        setTimeout(() => {
          dispose();
          done();
        }, 20_000);
      });
      await ended;
      if (!everOpened && subscriptions.errors > 3) return false;
      await sleep(200);
    }
    return true;
  } finally {
    await client.dispose();
  }
}

async function demo(foremanUrl: string, method: string, path: string, body?: unknown) {
  const response = await request(`${foremanUrl}/__demo/${path}`, {
    method: method as 'GET',
    dispatcher: agent,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 400) throw new Error(`demo control ${path}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * What Foreman does wrong for 6 s of every 15, in turn (rules are checked in order; most apply to
 * every matching request while they last, the 401s to a few).
 */
const FAULT_SETS: Array<{ name: string; rules: Array<Record<string, unknown>> }> = [
  {
    name: 'Foreman 500s with Rails error bodies',
    rules: [
      {
        pathPattern: '^/api/compute_resources/\\d+/images$',
        status: 500,
        body: '{"error":{"message":"PG::ConnectionBad: could not connect to server"}}',
        times: 'Infinity',
      },
    ],
  },
  {
    name: 'proxy 502/503 pages',
    rules: [
      { pathPattern: '^/api/architectures', status: 502, times: 'Infinity' },
      { method: 'GET', pathPattern: '^/api/images', status: 503, times: 'Infinity' },
    ],
  },
  { name: 'slow answers (400 ms)', rules: [{ delayMs: 400, times: 'Infinity' }] },
  {
    name: 'timeouts (answers after FOREMAN_TIMEOUT_MS)',
    rules: [{ method: 'GET', pathPattern: '^/api/compute_resources$', delayMs: 3_500, times: 20 }],
  },
  {
    name: '401s (a credential refused)',
    rules: [{ method: 'GET', pathPattern: '^/api/architectures/', status: 401, times: 2 }],
  },
  {
    name: 'connection resets',
    rules: [{ pathPattern: '^/api/compute_resources/\\d+/images', drop: true, times: 'Infinity' }],
  },
  {
    name: 'stalled bodies and 422s on writes',
    rules: [
      { method: 'GET', pathPattern: '^/api/compute_resources$', bodyStallMs: 3_500, times: 20 },
      {
        method: 'POST',
        status: 422,
        body: '{"error":{"id":null,"errors":{"name":["has already been taken"]},"full_messages":["Name has already been taken"]}}',
        times: 'Infinity',
      },
    ],
  },
];

interface Sample {
  at: number;
  heapUsed: number;
  /** The heap V8 has reserved (used or not): most of RSS. */
  heapTotal: number;
  /** Memory outside the heap that V8 objects hold (Buffers and the like). */
  external: number;
  rss: number;
  requests: number;
}

/** Heap used, heap total and external memory, from the default metrics at /metrics. */
async function heapFigures(
  gatewayUrl: string,
): Promise<Pick<Sample, 'heapUsed' | 'heapTotal' | 'external'> | undefined> {
  try {
    const response = await request(gatewayUrl.replace(/\/graphql$/, '/metrics'), {
      dispatcher: agent,
    });
    const text = await response.body.text();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const figures = {
      heapUsed: metric('nodejs_heap_size_used_bytes'),
      heapTotal: metric('nodejs_heap_size_total_bytes'),
      external: metric('nodejs_external_memory_bytes'),
    };
    return Number.isFinite(figures.heapUsed) ? figures : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the gateway for a heap snapshot and waits until it is written. */
async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 120_000; waited += 500) {
    await sleep(500);
    const written = readdirSync(dir).find(
      (name) => !before.has(name) && name.endsWith('.heapsnapshot'),
    );
    if (!written) continue;
    const size = statSync(resolve(dir, written)).size;
    await sleep(1_000);
    if (statSync(resolve(dir, written)).size === size && size > 0) return written;
  }
  throw new Error('no heap snapshot was written');
}

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
const oneDecimal = (value: number) => Math.round(value * 10) / 10;

/**
 * The live heap after each full collection, from V8's own trace (`--trace-gc`, on the gateway's
 * stdout): `Mark-Compact 150.2 (170.0) -> 60.1 (80.0) MB`. What survives a full collection is the
 * floor itself; the lowest heap-used sample of a stretch only comes close to it when a full
 * collection happened just before that sample.
 */
const collections: Array<{ isolate: string; at: number; mb?: number }> = [];
let runStartedAt = performance.now();
const GC_LINE = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: /;
const MARK_COMPACT = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/;
function watchGc(line: string): boolean {
  const isolate = GC_LINE.exec(line)?.[1];
  if (isolate === undefined) return false;
  const after = MARK_COMPACT.exec(line)?.[1];
  const at = (performance.now() - runStartedAt) / 1_000;
  collections.push({ isolate, at, ...(after === undefined ? {} : { mb: Number(after) }) });
  return true;
}

/**
 * The main thread's full collections: tsx's loader runs in a thread of its own, with a small
 * heap and collections of its own; the main thread is the one that collects most.
 */
function mainThreadFullCollections(): Array<{ at: number; mb: number }> {
  const perIsolate = new Map<string, number>();
  for (const { isolate } of collections)
    perIsolate.set(isolate, (perIsolate.get(isolate) ?? 0) + 1);
  const main = [...perIsolate].sort((a, b) => b[1] - a[1])[0]?.[0];
  return collections.flatMap((gc) =>
    gc.isolate === main && gc.mb !== undefined && gc.at >= 0 ? [{ at: gc.at, mb: gc.mb }] : [],
  );
}

const foreman = await startForeman(Number(values.latency), { node });
let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
try {
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  gateway = await startGateway(
    gatewayDir,
    foreman.url,
    {
      FOREMAN_USERNAME: '',
      FOREMAN_PASSWORD: '',
      LOG_LEVEL: 'info',
      FOREMAN_TIMEOUT_MS: '3000',
      // Foreman's window is 5 minutes, renewed by every failure: a secret replaced every 15 s,
      // forever, would spend the failed-login budget for good (the demo's own count is cleared
      // every 15 s below). Failures counted here are gone before the next change.
      FOREMAN_FAILED_LOGIN_WINDOW_MS: '10000',
      // A credential a 401 fault refused is not everyone's for a minute.
      REFUSED_CREDENTIAL_TTL_MS: '5000',
    },
    {
      node,
      // A warning's stack says where it comes from (the report quotes the first lines).
      watch: watchGc,
      nodeArgs: [
        '--trace-warnings',
        '--trace-gc',
        ...(values['max-old-space'] ? [`--max-old-space-size=${values['max-old-space']}`] : []),
        ...(snapshotDir
          ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`]
          : []),
      ],
    },
  );
  const { url } = gateway;
  const pid = gateway.child.pid as number;
  const introspection = await graphql(
    url,
    'introspection',
    ADMIN_PASSWORD,
    '198.51.100.250',
    '{ __type(name: "Image") { fields { name } } }',
  );
  const fields = (introspection?.data?.__type as { fields: Array<{ name: string }> } | undefined)
    ?.fields;
  const hasHistory = fields?.some((field) => field.name === 'history') ?? false;
  Object.assign(counts, {
    requests: 0,
    operations: {},
    byStatus: {},
    codes: {},
    codesByOperation: {},
    messages: {},
  });

  const started = performance.now();
  runStartedAt = started;
  const endAt = started + seconds * 1_000;
  const running = () => performance.now() < endAt;
  const samples: Sample[] = [];
  const faultLog: string[] = [];
  let maxFailedLogins = 0;
  const snapshots: string[] = [];

  const sampler = (async () => {
    while (running()) {
      const heap = await heapFigures(url);
      const memory = readMemory(pid);
      if (heap !== undefined && memory) {
        samples.push({
          at: (performance.now() - started) / 1_000,
          ...heap,
          rss: memory.rssKiB * 1024,
          requests: counts.requests,
        });
      }
      if (snapshotDir && snapshots.length === 0 && performance.now() - started > seconds * 333) {
        snapshots.push(await snapshot(pid, snapshotDir));
      }
      await sleep(1_000);
    }
  })();

  const chaos = (async () => {
    for (let cycle = 0; running(); cycle++) {
      const failed = (await demo(foreman.url, 'GET', 'failed-logins?ip=127.0.0.1')) as {
        failedLogins: number;
      };
      maxFailedLogins = Math.max(maxFailedLogins, failed.failedLogins);
      await demo(foreman.url, 'DELETE', 'failed-logins');
      if (cycle % 2 === 0) {
        const next = `soak-token-${cycle}`;
        await demo(foreman.url, 'POST', 'accounts/viewer/add-token', { token: next });
        await demo(foreman.url, 'POST', 'accounts/viewer/revoke-token', { token: viewer.token });
        viewer.stale = basic('viewer', viewer.token);
        viewer.token = next;
      } else {
        const next = `viewer-${cycle}`;
        await demo(foreman.url, 'POST', 'accounts/viewer/change-password', { password: next });
        viewer.stale = basic('viewer', viewer.password);
        viewer.password = next;
      }
      viewer.staleUntil = Date.now() + 2_000;
      const set = FAULT_SETS[cycle % FAULT_SETS.length] as (typeof FAULT_SETS)[number];
      for (const rule of set.rules) await demo(foreman.url, 'POST', 'faults', rule);
      faultLog.push(set.name);
      await sleep(Math.max(0, Math.min(6_000, endAt - performance.now())));
      await demo(foreman.url, 'DELETE', 'faults');
      await sleep(Math.max(0, Math.min(9_000, endAt - performance.now())));
    }
    await demo(foreman.url, 'DELETE', 'faults');
  })();

  let webSocket = true;
  const subscribers = [
    keepSse(url, () => ADMIN_PASSWORD, running),
    keepSse(url, () => basic('viewer', viewer.token), running),
    keepWebSocket(url, ADMIN_TOKEN, running).then((spoke) => {
      webSocket = spoke;
      if (!spoke) return keepSse(url, () => ADMIN_TOKEN, running);
    }),
  ];
  const workers = Array.from({ length: concurrency }, async (_, n) => {
    while (running()) {
      await paced();
      await oneRequest(url, `198.51.100.${n + 1}`, hasHistory);
    }
  });
  await Promise.all([...workers, chaos]);
  const elapsed = (performance.now() - started) / 1_000;
  await sampler;
  await Promise.all(subscribers);
  if (snapshotDir) {
    await sleep(2_000);
    snapshots.push(await snapshot(pid, snapshotDir));
  }

  const fullCollections = mainThreadFullCollections();
  // Thirds of the run, by when a sample or a collection was taken. The first holds the warm-up
  // (code compiled, the parse cache filled); the rise that counts is from the middle third to
  // the last. Full collections come every few seconds to every minute, as V8 sees fit: a third
  // without one has no figure ("n/a").
  const within = <T extends { at: number }>(list: T[], from: number, to: number) =>
    list.filter((item) => item.at >= from * seconds && item.at < to * seconds);
  const lowest = (values: number[]) => (values.length > 0 ? Math.min(...values) : Number.NaN);
  const liveFloor = (from: number, to: number) =>
    lowest(within(fullCollections, from, to).map((gc) => gc.mb));
  const usedFloor = (from: number, to: number) =>
    lowest(within(samples, from, to).map((sample) => sample.heapUsed)) / 1_048_576;
  const peakRss = (from: number, to: number) =>
    Math.max(...within(samples, from, to).map((sample) => sample.rss)) / 1_048_576;
  const peakHeapTotal = (from: number, to: number) =>
    Math.max(...within(samples, from, to).map((sample) => sample.heapTotal)) / 1_048_576;
  const shown = (value: number) => (Number.isFinite(value) ? String(oneDecimal(value)) : 'n/a');
  const byThirds = (read: (from: number, to: number) => number) =>
    [0, 1, 2].map((n) => shown(read(n / 3, (n + 1) / 3))).join(' → ');
  const rise = (read: (from: number, to: number) => number) =>
    shown(read(2 / 3, 1) - read(1 / 3, 2 / 3));
  const summary = {
    node: nodeVersion,
    gateway: gatewayDir,
    seconds: Math.round(elapsed),
    concurrency,
    'rate asked (requests/s)': rate > 0 ? rate : 'as fast as answered',
    ...(values['max-old-space'] ? { '--max-old-space-size': values['max-old-space'] } : {}),
    'heap after full collections, floor by thirds (MB)': byThirds(liveFloor),
    'heap after full collections, floor rise from the middle to the last third (MB)':
      rise(liveFloor),
    'full collections': fullCollections.length,
    'heap used sampled each second, floor by thirds (MB)': byThirds(usedFloor),
    'heap used, floor rise from the middle to the last third (MB)': rise(usedFloor),
    'RSS peak by thirds (MiB)': byThirds(peakRss),
    'heap reserved (heap total) peak by thirds (MiB)': byThirds(peakHeapTotal),
    'requests/s': Math.round(counts.requests / elapsed),
    'HTTP 5xx': counts.http5xx,
    'transport errors': counts.transportErrors,
    'by status': counts.byStatus,
    'error codes': counts.codes,
    'error codes by operation': counts.codesByOperation,
    'first message of each code': counts.messages,
    operations: counts.operations,
    subscriptions: { ...subscriptions, webSocket },
    'Foreman failed logins, most in 15 s': maxFailedLogins,
    'gateway log lines': gateway.output.lines,
    'gateway error lines': gateway.output.errors,
    'fault sets': [...new Set(faultLog)],
    ...(snapshots.length > 0
      ? { snapshots: snapshots.map((name) => resolve(snapshotDir ?? '', name)) }
      : {}),
  };
  console.log(JSON.stringify(summary, null, 2));
  if (values.out) {
    writeFileSync(resolve(values.out), JSON.stringify({ summary, samples, fullCollections }));
  }
  if (gateway.output.firstErrors.length > 0) {
    console.log(`first error lines:\n${gateway.output.firstErrors.join('\n')}`);
  }
  console.log(
    [
      '',
      '| Node | heap floor by thirds, after full GCs (MB) | its rise, middle → last third | heap used floor by thirds, sampled (MB) | RSS peak by thirds (MiB) | req/s | 5xx |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| ${nodeVersion} | ${byThirds(liveFloor)} | ${rise(liveFloor)} | ${byThirds(usedFloor)} | ${byThirds(peakRss)} | ${summary['requests/s']} | ${counts.http5xx} |`,
    ].join('\n'),
  );
  console.log(
    `samples (s: heap used / heap total / external / RSS, MiB): ${samples
      .filter((_, index) => index % 10 === 0)
      .map(
        (s) =>
          `${Math.round(s.at)}: ${mb(s.heapUsed)}/${mb(s.heapTotal)}/${mb(s.external)}/${mb(s.rss)}`,
      )
      .join(', ')}`,
  );
  console.log(
    `after full collections (s: MB): ${fullCollections.map((gc) => `${Math.round(gc.at)}: ${gc.mb}`).join(', ')}`,
  );
} finally {
  if (gateway) await stop(gateway.child);
  await stop(foreman.child);
  await agent.close();
}
