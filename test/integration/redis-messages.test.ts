import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, type DemoUpstream, startDemoUpstream } from '../../src/demo/index.js';
import type { ChangeNotice } from '../../src/foreman/changes.js';
import { CHANNEL } from '../../src/redis/change-bus.js';
import { encodeNotice } from '../../src/redis/notice-codec.js';
import { deriveKey } from '../../src/redis/shared-secret.js';
import { FRESH_FOR_MS, SignedMessages } from '../../src/redis/signed-messages.js';
import { basicAuth } from '../helpers/harness.js';
import {
  type GatewayProcess,
  haveRedis,
  type RedisProcess,
  startGatewayProcess,
  startRedis,
} from '../helpers/processes.js';
import { type Subscription, subscribe } from '../helpers/sse.js';

/**
 * What anyone who can reach Redis may publish on the change channel, against real gateway
 * processes: B (on a new SHARED_SECRET, with the old one as SHARED_SECRET_PREVIOUS, as in a
 * rotation) has a subscriber; A is still on the old secret. Nothing but notices sealed with one
 * of B's secrets, fresh and new, reaches B's subscriber, and nothing else costs Foreman a request.
 */

const OLD_SECRET = 'the-secret-being-replaced-0123456789';
const NEW_SECRET = 'the-secret-replacing-it-0123456789ab';
const NOTICES_PER_SECOND = 5;

type Event = { data?: { imageChanged: { action: string; foremanId: number; changedBy: string } } };

describe.skipIf(!haveRedis)('messages on the Redis change channel', () => {
  let demo: DemoUpstream;
  let redis: RedisProcess;
  let publisher: Redis;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const sealedWith = (secret: string, now?: () => number) =>
    new SignedMessages({ signingKey: deriveKey(secret, 'change-bus'), ...(now ? { now } : {}) });
  let requestIds = 0;

  beforeAll(async () => {
    demo = await startDemoUpstream();
    redis = await startRedis();
    publisher = new Redis(redis.url);
    const env = {
      FOREMAN_URL: demo.url,
      REDIS_URL: redis.url,
      // Long: every event a test sees comes over the bus, none from the audit log.
      AUDIT_POLL_INTERVAL_MS: '600000',
      SHARED_NOTICES_PER_SECOND: String(NOTICES_PER_SECOND),
    };
    [a, b] = await Promise.all([
      startGatewayProcess({ ...env, SHARED_SECRET: OLD_SECRET }),
      startGatewayProcess({
        ...env,
        SHARED_SECRET: NEW_SECRET,
        SHARED_SECRET_PREVIOUS: OLD_SECRET,
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    publisher?.disconnect();
    a?.kill();
    b?.kill();
    await redis?.stop();
    await demo?.close();
  });

  function imagesOf(computeResourceId: number) {
    return demo.store.images.filter((image) => image.computeResourceId === computeResourceId);
  }

  /** A valid notice of an update to `imageId` in compute resource `computeResourceId`. */
  function notice(imageId: number, computeResourceId = 1): ChangeNotice {
    requestIds += 1;
    return {
      action: 'updated',
      imageId,
      places: [{ computeResourceId }],
      at: new Date().toISOString(),
      by: 'admin',
      requestId: `test-${requestIds}`,
      changes: [{ attribute: 'name', before: 'a', after: 'b' }],
      source: 'gateway',
    };
  }

  async function dropped(replica: GatewayProcess, reason: string): Promise<number> {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    const series = `redis_messages_dropped_total{reason="${reason}"} `;
    const line = text.split('\n').find((candidate) => candidate.startsWith(series));
    return line ? Number(line.slice(series.length)) : 0;
  }

  /** Answers how many messages `replica` dropped for each of `reasons` from now on. */
  async function dropsFrom(replica: GatewayProcess, reasons: string[]) {
    const counts = async () => Promise.all(reasons.map((reason) => dropped(replica, reason)));
    const before = await counts();
    return async (): Promise<Record<string, number>> => {
      const after = await counts();
      return Object.fromEntries(
        reasons.map((reason, n) => [reason, (after[n] ?? 0) - (before[n] ?? 0)]),
      );
    };
  }

  function subscriber(replica: GatewayProcess): Promise<Subscription<Event>> {
    return subscribe<Event>(
      replica.url,
      'subscription { imageChanged { action foremanId changedBy } }',
      { headers: { authorization: basicAuth(DEMO_ADMIN) } },
    );
  }

  /**
   * Waits for a replica's subscriber to have `count` events; on a loaded machine (the whole suite
   * on 2 cores, Node 22) an event once took over 5 s, so the wait is long, and a miss says what
   * the replica logged above info.
   */
  async function eventsOn(replica: GatewayProcess, stream: Subscription<Event>, count: number) {
    await stream.waitFor(count, 12_000).catch((error: Error) => {
      const said = replica
        .output()
        .split('\n')
        .filter((line) => /"level":(40|50|60)/.test(line));
      throw new Error(`${error.message}; the replica logged:\n${said.join('\n')}`);
    });
  }

  const foremanIds = (stream: Subscription<Event>) =>
    stream.received.map((event) => event.data?.imageChanged.foremanId ?? 0).sort((x, y) => x - y);

  it('drops what is not a sealed notice, without harm, and counts and logs only the reason', async () => {
    const stream = await subscriber(b);
    const drops = await dropsFrom(b, ['malformed', 'too-large', 'invalid']);
    const sealed = sealedWith(NEW_SECRET);
    const [image] = imagesOf(1);
    if (!image) throw new Error('no image in compute resource 1');
    const mallory = { ...notice(image.id), by: 'mallory-was-here' };
    for (const message of [
      'null',
      '42',
      '{}',
      JSON.stringify(mallory),
      `v1.${'x'.repeat(1_000_000)}`,
      sealed.seal('null'),
      sealed.seal('{}'),
      sealed.seal('not json at all'),
      sealed.seal(JSON.stringify({ ...mallory, by: 'mallory-was-here'.repeat(20) })),
      sealed.seal(JSON.stringify({ ...mallory, imageId: 2 ** 31 })),
    ]) {
      await publisher.publish(CHANNEL, message);
    }
    // The last one is sealed and valid: once it is told, everything before it was handled.
    await publisher.publish(CHANNEL, sealed.seal(encodeNotice(notice(image.id))));
    await eventsOn(b, stream, 1);
    expect(foremanIds(stream)).toEqual([image.id]);
    expect(await drops()).toEqual({ malformed: 4, 'too-large': 1, invalid: 5 });
    expect(b.child.exitCode).toBeNull();
    // Log lines are written asynchronously: wait for them.
    const warnings = () =>
      b
        .output()
        .split('\n')
        .filter((line) => line.includes('dropped a message on the change channel'))
        .map((line) => JSON.parse(line) as { level: number; reason: string; problem?: string });
    await expect
      .poll(() => warnings().map((line) => line.reason))
      .toEqual(expect.arrayContaining(['malformed', 'too-large', 'invalid']));
    expect(warnings().every((line) => line.level === 40)).toBe(true);
    expect(warnings().map((line) => line.problem)).toContain('not an object');
    expect(b.output()).not.toContain('mallory-was-here');
    stream.close();
  });

  it('refuses forged, stale and replayed notices, which cost Foreman nothing', async () => {
    const stream = await subscriber(b);
    const drops = await dropsFrom(b, ['forged', 'stale', 'replayed']);
    const [first, second] = imagesOf(1);
    if (!first || !second) throw new Error('not enough images in compute resource 1');
    demo.resetRequests();
    // Ten notices of images that do not exist, sealed with a secret nobody configured.
    const forger = sealedWith('a-secret-no-replica-has-0123456789abc');
    for (let n = 1; n <= 10; n++) {
      await publisher.publish(CHANNEL, forger.seal(encodeNotice(notice(900_000 + n))));
    }
    const stale = sealedWith(NEW_SECRET, () => Date.now() - FRESH_FOR_MS - 1_000);
    await publisher.publish(CHANNEL, stale.seal(encodeNotice(notice(900_011))));
    const sealed = sealedWith(NEW_SECRET);
    const once = sealed.seal(encodeNotice(notice(first.id)));
    await publisher.publish(CHANNEL, once);
    await publisher.publish(CHANNEL, once);
    await publisher.publish(CHANNEL, sealed.seal(encodeNotice(notice(second.id))));
    await eventsOn(b, stream, 2);
    expect(foremanIds(stream)).toEqual([first.id, second.id].sort((x, y) => x - y));
    expect(await drops()).toEqual({ forged: 10, stale: 1, replayed: 1 });
    expect(JSON.stringify(demo.requests)).not.toMatch(/9000\d\d/);
    stream.close();
  });

  it('in a rotation, takes announcements from a replica still on the previous secret', async () => {
    const onB = await subscriber(b);
    const onA = await subscriber(a);
    const [image] = imagesOf(3);
    if (!image) throw new Error('no image in compute resource 3');
    const rename = (name: string) =>
      `mutation { updateImage(input: { id: "${image.id}", name: "${name}" }) { errors { message } } }`;
    const headers = { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) };
    await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: rename('sealed-with-the-old-secret') }),
    });
    await eventsOn(b, onB, 1);
    expect(onB.received.map((event) => event.data?.imageChanged)).toEqual([
      { action: 'UPDATED', foremanId: image.id, changedBy: 'admin' },
    ]);
    await eventsOn(a, onA, 1);
    // The other way, A does not take B's new secret: its subscribers read that from the audit log.
    const forgedOnA = await dropped(a, 'forged');
    await fetch(`${b.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: rename('sealed-with-the-new-secret') }),
    });
    await eventsOn(b, onB, 2);
    await expect.poll(() => dropped(a, 'forged')).toBe(forgedOnA + 1);
    expect(onA.received).toHaveLength(1);
    onA.close();
    onB.close();
  });

  it('passes the same change once, and at most SHARED_NOTICES_PER_SECOND a second', async () => {
    // The earlier tests' notices took tokens from B's bucket (a second's worth, NOTICES_PER_SECOND):
    // on a fast machine they all fall within this second, so wait for it to fill up again.
    await sleep(1_100);
    const stream = await subscriber(b);
    const drops = await dropsFrom(b, ['duplicate', 'rate-limited']);
    const [first, ...others] = imagesOf(2).slice(0, 31);
    if (!first || others.length !== 30) throw new Error('not enough images in compute resource 2');
    const sealed = sealedWith(NEW_SECRET);
    const repeated = notice(first.id, 2);
    // The same change, sealed three times (three messages, one change).
    for (let n = 0; n < 3; n++)
      await publisher.publish(CHANNEL, sealed.seal(encodeNotice(repeated)));
    await eventsOn(b, stream, 1);
    expect(await drops()).toEqual({ duplicate: 2, 'rate-limited': 0 });

    // Thirty changes at once: a burst of the rate passes, the rest wait for the audit log.
    const burst = others.map((image) => sealed.seal(encodeNotice(notice(image.id, 2))));
    await publisher.pipeline(burst.map((message) => ['publish', CHANNEL, message])).exec();
    const limited = async () => (await drops())['rate-limited'] ?? 0;
    await expect
      .poll(async () => stream.received.length - 1 + (await limited()), { timeout: 12_000 })
      .toBe(30);
    expect(await limited()).toBeGreaterThan(0);
    expect(stream.received.length - 1).toBeLessThan(30);
    stream.close();
  }, 40_000);
});
