import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { loadConfig } from '../src/config.js';
import {
  DEMO_ADMIN,
  DEMO_VIEWER,
  type DemoUpstream,
  type DemoUpstreamOptions,
  extraUser,
  type RecordedRequest,
  startDemoUpstream,
} from '../src/demo/index.js';
import { type Subscription, subscribe } from '../test/helpers/sse.js';
import { type RedisProcess, startRedisProcess } from './redis-process.js';
import { basic, type GraphQLOutcome, newAgent, postGraphQL } from './safety-http.js';
import { type ServerProcess, startGatewayProcess } from './server-process.js';
import { percentile } from './stats.js';

/**
 * The measurements of `npm run bench:live` (bench/live.ts): latency of the gateway's own writes
 * and of changes made in Foreman's UI, upstream requests per minute of idle subscribers, and two
 * replicas sharing a Redis. Each sets up its own demo upstream (in this process) and gateway
 * children, and stops them again, also when it fails.
 */

export interface LiveSettings {
  /** Mutations through the gateway, for own writes and for the two replicas. */
  writes: number;
  /** Changes made in Foreman's UI, per polling interval. */
  changes: number;
  /** Seconds over which idle subscribers' upstream requests are counted, per case. */
  windowS: number;
  logLevel: string;
}

/** What a gateway child wrote at warn level or above, by the name of its set-up. */
export interface GatewayOutput {
  gateway: string;
  output: string;
}

export interface LiveContext {
  settings: LiveSettings;
  progress(line: string): void;
  /** Filled as gateways stop, for the report's last section. */
  outputs: GatewayOutput[];
}

/** The gateway's own default, read from its configuration rather than copied. */
export const DEFAULT_INTERVAL_MS = loadConfig({}).live.pollIntervalMs;
export const SHORT_INTERVAL_MS = 1_000;
const DEFAULT_PER_CALLER = loadConfig({}).live.maxSubscriptionsPerCaller;
/** Subscriber counts of the upstream-request cases. */
export const SUBSCRIBER_COUNTS = [1, 10, 100] as const;

const ADMIN = basic(DEMO_ADMIN.login, DEMO_ADMIN.password);
const VIEWER = basic(DEMO_VIEWER.login, DEMO_VIEWER.password);
const SUBSCRIPTION = 'subscription { imageChanged { action foremanId requestId changedBy } }';

interface ChangeEvent {
  data?: { imageChanged: { action: string; foremanId: number; requestId: string | null } };
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

// ---------------------------------------------------------------------------------------------
// Results.

/** Milliseconds: nearest-rank percentiles as bench/stats.ts computes them. */
export interface Latencies {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
}

export function latencies(values: readonly number[]): Latencies {
  const sorted = Float64Array.from(values).sort();
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** How many times each change was told to one subscriber: exactly once is right. */
export interface Deliveries {
  expected: number;
  once: number;
  missing: number;
  /** Changes told more than once, and events that were no change of ours. */
  repeated: number;
  other: number;
  errors: string[];
}

export interface OwnWritesResult {
  /** From sending each mutation to its answer. */
  answer: Latencies;
  /** From each mutation's answer to its event. */
  event: Latencies;
  deliveries: Deliveries;
  /** How long after the last write the stream was watched for repeats. */
  watchedMs: number;
}

export interface ElsewhereResult {
  intervalMs: number;
  /** From each change to its event. */
  event: Latencies;
  deliveries: Deliveries;
  watchedMs: number;
}

export interface RateResult {
  subscribers: number;
  shared: boolean;
  /** Credentials with subscribers, so tails expected. */
  credentials: number;
  /** MAX_SUBSCRIPTIONS_PER_CALLER given to the gateway, when not its default. */
  perCallerLimit?: number;
  /** `live_subscriptions` once all were open. */
  open: number;
  /** From the first subscription to the window's start. */
  setup: RequestCount;
  window: RequestCount;
  windowS: number;
  /** Distinct logins among the window's audit requests (one per tail). */
  loginsPolling: number;
  /** `live_audit_polls_total{outcome="error"}` at the window's end. */
  pollErrors: number;
  /** Events the idle subscribers got (nothing changed: 0 is right). */
  events: number;
  /**
   * One change made in Foreman's UI after the window: from it until every subscriber had its
   * event, and the requests meanwhile (audit polls, and the reads that check each credential's
   * view of the image before telling it).
   */
  change: { toAllMs: number; requests: RequestCount };
  /** After every subscriber closed its stream and 1 s passed, over `afterMs`. */
  after: RequestCount;
  afterMs: number;
  /** `live_subscriptions` then. */
  openAfter: number;
}

export interface RequestCount {
  audits: number;
  all: number;
  /** Answers other than 200, as `status×count`. */
  otherStatuses: string;
}

export interface ReplicasResult {
  /** From each mutation's answer (through A) to its event on B. */
  event: Latencies;
  onB: Deliveries;
  onA: Deliveries;
  watchedMs: number;
}

// ---------------------------------------------------------------------------------------------
// Set-up and clean-up.

type Defer = (cleanup: () => Promise<unknown> | unknown) => void;

/** Runs `body`; then everything it deferred, last first, also when it throws. */
async function withCleanup<T>(body: (defer: Defer) => Promise<T>): Promise<T> {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  try {
    return await body((cleanup) => cleanups.push(cleanup));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the next clean-up (a child to stop) must still run.
      }
    }
  }
}

async function demoUpstream(defer: Defer, options: DemoUpstreamOptions = {}) {
  const demo = await startDemoUpstream({ ...options, host: '127.0.0.1', port: 0 });
  defer(() => demo.close());
  return demo;
}

async function gateway(
  context: LiveContext,
  defer: Defer,
  name: string,
  foremanUrl: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = await startGatewayProcess({
    foremanUrl,
    cwd: process.cwd(),
    logLevel: context.settings.logLevel,
    // Open streams would otherwise hold a stopping gateway for its default 10 s.
    env: { SHUTDOWN_GRACE_MS: '1000', ...env },
  });
  defer(async () => {
    await child.stop();
    context.outputs.push({ gateway: name, output: child.output() });
  });
  return child;
}

/** A stream and whether it has ended (the sse helper tells that only by a rejected wait). */
interface Listener {
  stream: Subscription<ChangeEvent>;
  ended(): boolean;
}

async function listen(defer: Defer, url: string, authorization: string): Promise<Listener> {
  const stream = await subscribe<ChangeEvent>(url, SUBSCRIPTION, { headers: { authorization } });
  defer(() => stream.close());
  let ended = false;
  void stream.ended.then(() => {
    ended = true;
  });
  return { stream, ended: () => ended };
}

/** The index of the first event `match` accepts, waiting at most `timeoutMs` for it. */
async function waitForEvent(
  { stream, ended }: Listener,
  match: (event: ChangeEvent) => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const index = stream.received.findIndex(match);
    if (index >= 0) return index;
    const left = deadline - performance.now();
    if (ended()) throw new Error(`the stream ended before ${what}: ${describe(stream.received)}`);
    if (left <= 0) throw new Error(`no event for ${what} within ${timeoutMs} ms`);
    // Rejects on timeout or end; both are checked above on the next turn.
    await stream.waitFor(stream.received.length + 1, left).catch(() => undefined);
  }
}

const requestIdIs = (requestId: string) => (event: ChangeEvent) =>
  event.data?.imageChanged.requestId === requestId;

function describe(events: readonly ChangeEvent[]): string {
  const last = events.at(-1);
  return last ? JSON.stringify(last).slice(0, 300) : 'no event';
}

function deliveries(stream: Subscription<ChangeEvent>, requestIds: string[]): Deliveries {
  const counts = new Map(requestIds.map((id) => [id, 0]));
  let other = 0;
  const errors: string[] = [];
  for (const event of stream.received) {
    if (event.errors) errors.push(JSON.stringify(event.errors).slice(0, 200));
    const id = event.data?.imageChanged.requestId ?? '';
    const count = counts.get(id);
    if (count === undefined) other += 1;
    else counts.set(id, count + 1);
  }
  const values = [...counts.values()];
  return {
    expected: requestIds.length,
    once: values.filter((n) => n === 1).length,
    missing: values.filter((n) => n === 0).length,
    repeated: values.filter((n) => n > 1).length,
    other,
    errors,
  };
}

/** Waits until the demo has answered `count` audit requests since `since` (tails started). */
async function waitForAudits(
  demo: DemoUpstream,
  since: number,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const answered = () =>
    demo.requests.slice(since).filter((r) => r.path === '/api/audits' && r.status !== 0).length;
  while (answered() < count) {
    if (performance.now() > deadline) {
      throw new Error(`${answered()} of ${count} audit requests within ${timeoutMs} ms`);
    }
    await sleep(20);
  }
}

function countRequests(requests: readonly RecordedRequest[]): RequestCount {
  const statuses = new Map<number, number>();
  for (const r of requests)
    if (r.status !== 200) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  return {
    audits: requests.filter((r) => r.path === '/api/audits').length,
    all: requests.length,
    otherStatuses: [...statuses].map(([status, n]) => `${status}×${n}`).join(', '),
  };
}

/** A value of the gateway's Prometheus metrics (`name` with its labels, as exposed). */
async function metric(url: string, name: string): Promise<number> {
  const response = await request(`${url}/metrics`);
  const text = await response.body.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

function imageIn(demo: DemoUpstream, computeResourceId: number) {
  const image = demo.store.images.find((i) => i.computeResourceId === computeResourceId);
  if (!image) throw new Error(`no image in compute resource ${computeResourceId}`);
  return image;
}

const updateImage = (foremanId: number, name: string) =>
  `mutation { updateImage(input: { id: "${foremanId}", name: "${name}" }) { image { foremanId } errors { message } } }`;

function assertAnswered(outcome: GraphQLOutcome, what: string): void {
  const payloadErrors = (outcome.data as { updateImage?: { errors?: unknown[] } } | undefined)
    ?.updateImage?.errors;
  if (outcome.status !== 200 || outcome.codes.length > 0 || (payloadErrors?.length ?? 0) > 0) {
    throw new Error(
      `${what}: HTTP ${outcome.status} ${outcome.failure ?? ''} ${outcome.codes.join(',')} ${JSON.stringify(payloadErrors ?? [])}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 1. The gateway's own writes.

/**
 * One subscriber (the admin); `writes` updateImage mutations through the gateway, one after the
 * other, each sent once the previous one's event has arrived. Then the stream is watched for
 * one polling interval more: the tail reads those writes' audit rows, and must not tell them again.
 */
export function ownWrites(context: LiveContext): Promise<OwnWritesResult> {
  return withCleanup(async (defer) => {
    const demo = await demoUpstream(defer);
    const child = await gateway(context, defer, 'own writes', demo.url, {});
    const agent = newAgent();
    defer(() => agent.destroy());
    const mark = demo.requests.length;
    const listener = await listen(defer, child.url, ADMIN);
    // The tail has read its starting point: the audit rows of the writes below are after it.
    await waitForAudits(demo, mark, 1, 10_000);
    const image = imageIn(demo, 1);
    const answers: number[] = [];
    const events: number[] = [];
    const ids: string[] = [];
    for (let n = 0; n < context.settings.writes; n++) {
      const requestId = `bench-live-own-${n}`;
      ids.push(requestId);
      const sent = performance.now();
      const outcome = await postGraphQL(child.url, updateImage(image.id, `bench-live-${n}`), {
        dispatcher: agent,
        authorization: ADMIN,
        headers: { 'x-request-id': requestId },
      });
      const answered = performance.now();
      assertAnswered(outcome, `write ${n}`);
      answers.push(answered - sent);
      const index = await waitForEvent(listener, requestIdIs(requestId), 10_000, `write ${n}`);
      events.push((listener.stream.arrivals[index] as number) - answered);
    }
    const watchedMs = DEFAULT_INTERVAL_MS + 2_000;
    await sleep(watchedMs);
    return {
      answer: latencies(answers),
      event: latencies(events),
      deliveries: deliveries(listener.stream, ids),
      watchedMs,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Changes made elsewhere (Foreman's UI), read from the audit log.

/**
 * One subscriber (the admin) on a gateway polling every `intervalMs`; `changes` renames through
 * the demo's Foreman UI (written to the audit log only). Before each, a pause drawn uniformly
 * from [0, intervalMs): the previous event came right after a poll, so the change falls at a
 * uniformly random point of the polling cycle. Timed from the change to its event.
 */
export function elsewhere(context: LiveContext, intervalMs: number): Promise<ElsewhereResult> {
  return withCleanup(async (defer) => {
    const demo = await demoUpstream(defer);
    // The default is left unset, as a deployment would leave it.
    const env: Record<string, string> =
      intervalMs === DEFAULT_INTERVAL_MS ? {} : { AUDIT_POLL_INTERVAL_MS: String(intervalMs) };
    const child = await gateway(context, defer, `UI changes, ${intervalMs} ms`, demo.url, env);
    const mark = demo.requests.length;
    const listener = await listen(defer, child.url, ADMIN);
    await waitForAudits(demo, mark, 1, 10_000);
    const image = imageIn(demo, 1);
    const events: number[] = [];
    const ids: string[] = [];
    for (let n = 0; n < context.settings.changes; n++) {
      await sleep(Math.random() * intervalMs);
      const changed = performance.now();
      const { audit } = demo.foremanUi.updateImage(image.id, {
        name: `bench-live-ui-${intervalMs}-${n}`,
      });
      if (!audit) throw new Error(`change ${n} wrote no audit row`);
      ids.push(audit.requestUuid);
      const index = await waitForEvent(
        listener,
        requestIdIs(audit.requestUuid),
        3 * intervalMs + 10_000,
        `change ${n}`,
      );
      events.push((listener.stream.arrivals[index] as number) - changed);
    }
    const watchedMs = intervalMs + 2_000;
    await sleep(watchedMs);
    return {
      intervalMs,
      event: latencies(events),
      deliveries: deliveries(listener.stream, ids),
      watchedMs,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Upstream requests of idle subscribers.

/**
 * `subscribers` subscriptions at the default interval, all with the viewer's credentials
 * (`shared`) or each with its own demo user (user1 … userN, the viewer's equals), and no
 * change anywhere. Counts what the demo receives: while they subscribe (until every tail has
 * made its first read, plus 0.5 s), over the window, and after they all left.
 */
export function idleRequests(
  context: LiveContext,
  subscribers: number,
  shared: boolean,
): Promise<RateResult> {
  return withCleanup(async (defer) => {
    const { windowS } = context.settings;
    const demo = await demoUpstream(defer, { extraUsers: shared ? 0 : subscribers });
    const perCallerLimit = shared && subscribers > DEFAULT_PER_CALLER ? subscribers : undefined;
    const env: Record<string, string> =
      perCallerLimit === undefined ? {} : { MAX_SUBSCRIPTIONS_PER_CALLER: String(perCallerLimit) };
    const name = `${subscribers} ${shared ? 'sharing' : 'distinct'}`;
    const child = await gateway(context, defer, name, demo.url, env);
    const credentials = Array.from({ length: subscribers }, (_, n) => {
      if (shared) return VIEWER;
      const user = extraUser(n + 1);
      return basic(user.login, user.password);
    });
    const tails = new Set(credentials).size;

    const setupStart = demo.requests.length;
    const listeners = await Promise.all(
      credentials.map((authorization) => listen(defer, child.url, authorization)),
    );
    const open = await metric(child.url, 'live_subscriptions');
    await waitForAudits(demo, setupStart, tails, 30_000);
    await sleep(500);

    const windowStart = demo.requests.length;
    await sleep(windowS * 1000);
    const windowEnd = demo.requests.length;
    const pollErrors = await metric(child.url, 'live_audit_polls_total{outcome="error"}');
    const inWindow = demo.requests.slice(windowStart, windowEnd);
    const loginsPolling = new Set(
      inWindow.filter((r) => r.path === '/api/audits').map((r) => r.login),
    ).size;
    const events = listeners.reduce((sum, l) => sum + l.stream.received.length, 0);

    // What one change costs to tell: a read of the image and its compute resource per
    // credential, so it grows with distinct credentials, not with subscribers.
    const changeStart = demo.requests.length;
    const changed = performance.now();
    const { audit } = demo.foremanUi.updateImage(imageIn(demo, 1).id, { name: 'bench-live-idle' });
    if (!audit) throw new Error('the change wrote no audit row');
    const arrivals = await Promise.all(
      listeners.map(async (listener) => {
        const index = await waitForEvent(
          listener,
          requestIdIs(audit.requestUuid),
          3 * DEFAULT_INTERVAL_MS + 10_000,
          'the change',
        );
        return listener.stream.arrivals[index] as number;
      }),
    );
    const change = {
      toAllMs: Math.max(...arrivals) - changed,
      requests: countRequests(demo.requests.slice(changeStart)),
    };

    for (const { stream } of listeners) stream.close();
    await sleep(1_000);
    const afterStart = demo.requests.length;
    const afterMs = Math.round(1.5 * DEFAULT_INTERVAL_MS);
    await sleep(afterMs);
    return {
      subscribers,
      shared,
      credentials: tails,
      ...(perCallerLimit === undefined ? {} : { perCallerLimit }),
      open,
      setup: countRequests(demo.requests.slice(setupStart, windowStart)),
      window: countRequests(inWindow),
      windowS,
      loginsPolling,
      pollErrors,
      events,
      change,
      after: countRequests(demo.requests.slice(afterStart)),
      afterMs,
      openAfter: await metric(child.url, 'live_subscriptions'),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 4. Two replicas sharing a Redis.

/**
 * Replicas A and B (REDIS_URL of one redis-server, default interval), an admin subscriber on
 * each; `writes` mutations through A, one after the other, each once B has told the previous
 * one. Both streams are then watched for an interval more (each replica's tail reads the audit
 * rows) and must have told every write exactly once.
 */
export function replicas(context: LiveContext): Promise<ReplicasResult> {
  return withCleanup(async (defer) => {
    let redis: RedisProcess;
    try {
      redis = await startRedisProcess();
    } catch (error) {
      throw new Error(`no Redis: ${(error as Error).message}`);
    }
    defer(() => redis.stop());
    const demo = await demoUpstream(defer);
    // Without a shared secret, replicas do not announce writes to each other over Redis.
    const env = { REDIS_URL: redis.url, SHARED_SECRET: 'bench-live-replicas-shared-secret-0123' };
    const [a, b] = await Promise.all([
      gateway(context, defer, 'replica A', demo.url, env),
      gateway(context, defer, 'replica B', demo.url, env),
    ]);
    const agent = newAgent();
    defer(() => agent.destroy());
    const mark = demo.requests.length;
    const onB = await listen(defer, b.url, ADMIN);
    const onA = await listen(defer, a.url, ADMIN);
    // One tail per replica.
    await waitForAudits(demo, mark, 2, 10_000);
    const image = imageIn(demo, 1);
    const events: number[] = [];
    const ids: string[] = [];
    for (let n = 0; n < context.settings.writes; n++) {
      const requestId = `bench-live-replica-${n}`;
      ids.push(requestId);
      const outcome = await postGraphQL(a.url, updateImage(image.id, `bench-live-a-${n}`), {
        dispatcher: agent,
        authorization: ADMIN,
        headers: { 'x-request-id': requestId },
      });
      const answered = performance.now();
      assertAnswered(outcome, `write ${n} through A`);
      const index = await waitForEvent(onB, requestIdIs(requestId), 10_000, `write ${n} on B`);
      events.push((onB.stream.arrivals[index] as number) - answered);
    }
    const watchedMs = DEFAULT_INTERVAL_MS + 2_000;
    await sleep(watchedMs);
    return {
      event: latencies(events),
      onB: deliveries(onB.stream, ids),
      onA: deliveries(onA.stream, ids),
      watchedMs,
    };
  });
}
