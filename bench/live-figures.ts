import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { loadConfig } from '../src/config.js';
import {
  type DemoUpstream,
  type DemoUpstreamOptions,
  extraUser,
  type RecordedRequest,
} from '../src/demo/index.js';
import { type Subscription, subscribe } from '../test/helpers/sse.js';
import { type ServerProcess, startGatewayProcess, startRedisProcess } from './foreman-process.js';
import { ADMIN, basic, postGraphQL, succeeded, VIEWER } from './http.js';
import { type Latencies, latencies } from './stats.js';
import { startDemo } from './upstream.js';

/**
 * The measurements of `npm run bench:live` (bench/live.ts): latency of the gateway's own writes
 * and of changes made in Foreman's UI, upstream requests of idle subscribers, and latency between
 * two replicas sharing a Redis. Each sets up its own demo upstream (in this process) and gateway
 * children, and stops them again, also when it fails. That each change is told exactly once is
 * the integration tests' business (live-changes, replicas); here a change that never comes fails
 * its measurement.
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

export interface LiveContext {
  settings: LiveSettings;
  /** What each gateway child wrote at warn level or above, filled as they stop. */
  outputs: Array<{ gateway: string; output: string }>;
}

/** The gateway's own default, read from its configuration rather than copied. */
export const DEFAULT_INTERVAL_MS = loadConfig({}).live.pollIntervalMs;
export const SHORT_INTERVAL_MS = 1_000;
const DEFAULT_PER_CALLER = loadConfig({}).live.maxSubscriptionsPerCaller;
/** Subscriber counts of the upstream-request cases. */
export const SUBSCRIBER_COUNTS = [1, 10, 100] as const;

const SUBSCRIPTION = 'subscription { imageChanged { action foremanId requestId changedBy } }';

interface ChangeEvent {
  data?: { imageChanged: { action: string; foremanId: number; requestId: string | null } };
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

export interface OwnWritesResult {
  /** From sending each mutation to its answer. */
  answer: Latencies;
  /** From each mutation's answer to its event. */
  event: Latencies;
}

export interface RateResult {
  /** MAX_SUBSCRIPTIONS_PER_CALLER given to the gateway, when not its default. */
  perCallerLimit?: number;
  /** From the first subscription until every tail had made its first read, plus 0.5 s. */
  setup: RequestCount;
  window: RequestCount;
  windowS: number;
  /** `live_audit_polls_total{outcome="error"}` at the window's end (0 for a valid count). */
  pollErrors: number;
  /**
   * One change made in Foreman's UI after the window: from it until every subscriber had its
   * event, and the requests meanwhile (audit polls, and the reads that check each credential's
   * view of the image before telling it).
   */
  change: { toAllMs: number; requests: RequestCount };
}

export interface RequestCount {
  audits: number;
  all: number;
  /** Answers other than 200, as `status×count`. */
  otherStatuses: string;
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
  const demo = await startDemo(options);
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

/** When the event for `requestId` arrived (performance.now()), waiting at most `timeoutMs`. */
async function arrivalOf(
  { stream, ended }: Listener,
  requestId: string,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const index = stream.received.findIndex(
      (event) => event.data?.imageChanged.requestId === requestId,
    );
    if (index >= 0) return stream.arrivals[index] as number;
    const left = deadline - performance.now();
    if (ended()) {
      const last = stream.received.at(-1);
      throw new Error(
        `the stream ended before ${what}: ${last ? JSON.stringify(last).slice(0, 300) : 'no event'}`,
      );
    }
    if (left <= 0) throw new Error(`no event for ${what} within ${timeoutMs} ms`);
    // Rejects on timeout or end; both are checked above on the next turn.
    await stream.waitFor(stream.received.length + 1, left).catch(() => undefined);
  }
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

/**
 * `updateImage` through `url` with its own x-request-id (which its event carries); resolves
 * when the answer has been read, with when that was.
 */
async function write(
  url: string,
  foremanId: number,
  name: string,
  requestId: string,
): Promise<{ sent: number; answered: number }> {
  const sent = performance.now();
  const outcome = await postGraphQL(
    `${url}/graphql`,
    `mutation { updateImage(input: { id: "${foremanId}", name: "${name}" }) { errors { message } } }`,
    { authorization: ADMIN, headers: { 'x-request-id': requestId } },
  );
  const answered = performance.now();
  const payloadErrors = (outcome.data as { updateImage?: { errors?: unknown[] } } | undefined)
    ?.updateImage?.errors;
  if (!succeeded(outcome) || (payloadErrors?.length ?? 0) > 0) {
    throw new Error(
      `${requestId}: HTTP ${outcome.status} ${outcome.failure ?? ''} ${outcome.codes.join(',')} ${JSON.stringify(payloadErrors ?? [])}`,
    );
  }
  return { sent, answered };
}

// ---------------------------------------------------------------------------------------------
// 1. The gateway's own writes.

/**
 * One subscriber (the admin); `writes` updateImage mutations through the gateway, one after the
 * other, each sent once the previous one's event has arrived.
 */
export function ownWrites(context: LiveContext): Promise<OwnWritesResult> {
  return withCleanup(async (defer) => {
    const demo = await demoUpstream(defer);
    const child = await gateway(context, defer, 'own writes', demo.url, {});
    const mark = demo.requests.length;
    const listener = await listen(defer, child.url, ADMIN);
    // The tail has read its starting point: the audit rows of the writes below are after it.
    await waitForAudits(demo, mark, 1, 10_000);
    const image = imageIn(demo, 1);
    const answers: number[] = [];
    const events: number[] = [];
    for (let n = 0; n < context.settings.writes; n++) {
      const requestId = `bench-live-own-${n}`;
      const { sent, answered } = await write(child.url, image.id, `bench-live-${n}`, requestId);
      answers.push(answered - sent);
      events.push((await arrivalOf(listener, requestId, 10_000, `write ${n}`)) - answered);
    }
    return { answer: latencies(answers), event: latencies(events) };
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
export function elsewhere(context: LiveContext, intervalMs: number): Promise<Latencies> {
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
    for (let n = 0; n < context.settings.changes; n++) {
      await sleep(Math.random() * intervalMs);
      const changed = performance.now();
      const { audit } = demo.foremanUi.updateImage(image.id, {
        name: `bench-live-ui-${intervalMs}-${n}`,
      });
      if (!audit) throw new Error(`change ${n} wrote no audit row`);
      const arrived = await arrivalOf(
        listener,
        audit.requestUuid,
        3 * intervalMs + 10_000,
        `change ${n}`,
      );
      events.push(arrived - changed);
    }
    return latencies(events);
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Upstream requests of idle subscribers.

/**
 * `subscribers` subscriptions at the default interval, all with the viewer's credentials
 * (`shared`) or each with its own demo user (user1 … userN, the viewer's equals), and no change
 * anywhere. Counts what the demo receives while they subscribe and over the window; then what
 * one change costs to tell them all.
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

    const setupStart = demo.requests.length;
    const listeners = await Promise.all(
      credentials.map((authorization) => listen(defer, child.url, authorization)),
    );
    // One tail per credential.
    await waitForAudits(demo, setupStart, new Set(credentials).size, 30_000);
    await sleep(500);

    const windowStart = demo.requests.length;
    await sleep(windowS * 1000);
    const windowEnd = demo.requests.length;
    const pollErrors = await metric(child.url, 'live_audit_polls_total{outcome="error"}');

    // What one change costs to tell: a read of the image and its compute resource per
    // credential, so it grows with distinct credentials, not with subscribers.
    const changeStart = demo.requests.length;
    const changed = performance.now();
    const { audit } = demo.foremanUi.updateImage(imageIn(demo, 1).id, { name: 'bench-live-idle' });
    if (!audit) throw new Error('the change wrote no audit row');
    const arrivals = await Promise.all(
      listeners.map((listener) =>
        arrivalOf(listener, audit.requestUuid, 3 * DEFAULT_INTERVAL_MS + 10_000, 'the change'),
      ),
    );
    return {
      ...(perCallerLimit === undefined ? {} : { perCallerLimit }),
      setup: countRequests(demo.requests.slice(setupStart, windowStart)),
      window: countRequests(demo.requests.slice(windowStart, windowEnd)),
      windowS,
      pollErrors,
      change: {
        toAllMs: Math.max(...arrivals) - changed,
        requests: countRequests(demo.requests.slice(changeStart)),
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 4. Two replicas sharing a Redis.

/**
 * Replicas A and B (REDIS_URL of one redis-server, a shared secret, default interval), an admin
 * subscriber on each; `writes` mutations through A, one after the other, each once B has told the
 * previous one. Timed from A's answer to B's event.
 */
export function replicas(context: LiveContext): Promise<Latencies> {
  return withCleanup(async (defer) => {
    const redis = await startRedisProcess().catch((error: Error) => {
      throw new Error(`no Redis: ${error.message}`);
    });
    defer(() => redis.stop());
    const demo = await demoUpstream(defer);
    // Without a shared secret, replicas do not announce writes to each other over Redis.
    const env = { REDIS_URL: redis.url, SHARED_SECRET: 'bench-live-replicas-shared-secret-0123' };
    const [a, b] = await Promise.all([
      gateway(context, defer, 'replica A', demo.url, env),
      gateway(context, defer, 'replica B', demo.url, env),
    ]);
    const mark = demo.requests.length;
    const onB = await listen(defer, b.url, ADMIN);
    // A subscriber on A too, as a deployment would have: its tail polls as B's does.
    await listen(defer, a.url, ADMIN);
    await waitForAudits(demo, mark, 2, 10_000);
    const image = imageIn(demo, 1);
    const events: number[] = [];
    for (let n = 0; n < context.settings.writes; n++) {
      const requestId = `bench-live-replica-${n}`;
      const { answered } = await write(a.url, image.id, `bench-live-a-${n}`, requestId);
      events.push((await arrivalOf(onB, requestId, 10_000, `write ${n} on B`)) - answered);
    }
    return latencies(events);
  });
}
