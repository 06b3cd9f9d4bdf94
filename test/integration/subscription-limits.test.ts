import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { type Subscription, subscribe } from '../helpers/sse.js';

/**
 * A subscription lives for hours and is opened by ordinary callers: it gets no way around the
 * limits a query has, counts its caller however the credential is spelled, holds nothing for a
 * credential that does not work, and reads each event's data as it is when the event is sent.
 */

const INTERVAL_MS = 150;
const ANY_CHANGE = 'subscription { imageChanged { foremanId } }';

type Event = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
};

let harness: Harness | undefined;
const open: Array<Subscription<Event>> = [];

afterEach(async () => {
  for (const stream of open.splice(0)) stream.close();
  await harness?.close();
  harness = undefined;
});

async function start(env: Record<string, string> = {}) {
  harness = await startHarness({ env: { AUDIT_POLL_INTERVAL_MS: String(INTERVAL_MS), ...env } });
  return harness;
}

async function listen(
  h: Harness,
  headers: Record<string, string>,
  query = ANY_CHANGE,
): Promise<Subscription<Event>> {
  const stream = await subscribe<Event>(h.url, query, { headers });
  open.push(stream);
  return stream;
}

/** The first error of a stream the gateway refused (it ends at once). */
async function refusal(stream: Subscription<Event>) {
  await stream.ended;
  return stream.received[0]?.errors?.[0];
}

async function openSubscriptions(h: Harness): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(/^live_subscriptions (\d+)$/m.exec(text)?.[1]);
}

const encoded = Buffer.from(`${DEMO_ADMIN.login}:${DEMO_ADMIN.password}`).toString('base64');

describe('subscriptions count their caller, however the credential is spelled', () => {
  it('Basic, basic and BASIC with extra spaces are one caller', async () => {
    const h = await start({ MAX_SUBSCRIPTIONS_PER_CALLER: '2' });
    await listen(h, { authorization: `Basic ${encoded}` });
    await listen(h, { authorization: `basic   ${encoded}` });
    const third = await listen(h, { authorization: `BASIC ${encoded.replace(/=+$/, '')}` });
    expect((await refusal(third))?.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'subscriptions',
    });
    expect(await openSubscriptions(h)).toBe(2);
  });

  it('with a service account, each client address is a caller of its own', async () => {
    const h = await start({
      FOREMAN_USERNAME: DEMO_ADMIN.login,
      FOREMAN_PASSWORD: DEMO_ADMIN.password,
      TRUSTED_PROXIES: '127.0.0.1',
      MAX_SUBSCRIPTIONS_PER_CALLER: '2',
    });
    const from = (address: string) => ({ 'x-forwarded-for': address });
    await listen(h, from('198.51.100.1'));
    await listen(h, from('198.51.100.1'));
    const third = await listen(h, from('198.51.100.1'));
    expect((await refusal(third))?.extensions?.code).toBe('LIMIT_EXCEEDED');
    // Another client behind the same proxy is not held to the first one's count.
    const other = await listen(h, from('198.51.100.2'));
    await sleep(INTERVAL_MS * 2);
    expect(other.received).toEqual([]);
    expect(await openSubscriptions(h)).toBe(3);
  });
});

describe('a credential that does not work holds no subscription', () => {
  it('a wrong password is refused when subscribing, with one failed login', async () => {
    const h = await start();
    const wrong = `Basic ${Buffer.from('admin:wrong').toString('base64')}`;
    const stream = await listen(h, { authorization: wrong });
    expect((await refusal(stream))?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(h.demo.failedLogins('127.0.0.1')).toBe(1);
    expect(await openSubscriptions(h)).toBe(0);
  });

  it('made-up credentials after the client spent its failed-login budget are refused at once', async () => {
    const h = await start({ CLIENT_FAILED_LOGIN_LIMIT: '1' });
    const madeUp = (n: number) => ({
      authorization: `Basic ${Buffer.from(`admin:made-up-${n}`).toString('base64')}`,
    });
    expect((await refusal(await listen(h, madeUp(0))))?.extensions?.code).toBe('UNAUTHENTICATED');
    const streams = await Promise.all(
      Array.from({ length: 5 }, (_, n) => listen(h, madeUp(n + 1))),
    );
    for (const stream of streams) {
      expect((await refusal(stream))?.extensions).toMatchObject({
        code: 'LIMIT_EXCEEDED',
        limit: 'failedLogins',
      });
    }
    // Before, each of these stayed open for ever, its polls failing locally: a way to fill
    // MAX_SUBSCRIPTIONS without a working credential.
    expect(await openSubscriptions(h)).toBe(0);
    expect(h.demo.failedLogins('127.0.0.1')).toBe(1);
  });

  it('a password changed while subscribed ends the subscription within one poll', async () => {
    const h = await start();
    const stream = await listen(h, { authorization: basicAuth(DEMO_ADMIN) });
    await sleep(INTERVAL_MS * 2);
    expect(await openSubscriptions(h)).toBe(1);
    // What Foreman answers once the password has changed: 401 for this credential.
    h.demo.injectFault({
      path: '/api/audits',
      status: 401,
      body: JSON.stringify({ error: { message: 'Unable to authenticate user admin' } }),
      times: 1,
    });
    await stream.ended;
    expect(stream.received.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await openSubscriptions(h)).toBe(0);
  });
});

describe('each event is read as it is when it is sent', () => {
  const COUNTS = `subscription { imageChanged(computeResourceId: "1") {
    foremanId image { computeResource { images { totalCount } } } } }`;
  const create = (h: Harness, n: number) =>
    h.query(`mutation { createImage(input: { computeResourceId: "1", name: "fresh-${n}",
      username: "root", uuid: "/var/lib/libvirt/images/fresh-${n}.qcow2",
      architectureId: "1", operatingSystemId: "1" }) { errors { message } } }`);

  it('three creates give three counts, not the first one three times', async () => {
    const h = await start();
    const stream = await listen(h, { authorization: basicAuth(DEMO_ADMIN) }, COUNTS);
    const before = h.demo.store.images.filter((i) => i.computeResourceId === 1).length;
    for (let n = 0; n < 3; n++) {
      await create(h, n);
      await stream.waitFor(n + 1);
    }
    type Counted = { image: { computeResource: { images: { totalCount: number } } } };
    const counts = stream.received.map(
      (event) =>
        (event.data as { imageChanged: Counted }).imageChanged.image.computeResource.images
          .totalCount,
    );
    expect(counts).toEqual([before + 1, before + 2, before + 3]);
  });

  it('has a call cap of its own per event, not one over the subscription’s life', async () => {
    // A create costs 3 calls (its architecture, its operating system, the write).
    const h = await start({
      SUBSCRIPTION_EVENT_MAX_UPSTREAM_REQUESTS: '1',
      MAX_UPSTREAM_REQUESTS: '3',
    });
    const ANY = `subscription { imageChanged {
      image { computeResource { images { totalCount } } } } }`;
    const stream = await listen(h, { authorization: basicAuth(DEMO_ADMIN) }, ANY);
    // Each event reads its own compute resource's list: one call each, four in all.
    for (const [n, computeResource] of [1, 2, 5, 7].entries()) {
      const created = await h.query(`mutation { createImage(input: {
        computeResourceId: "${computeResource}", name: "capped-${n}", username: "root",
        uuid: "/var/lib/libvirt/images/capped-${n}.qcow2", architectureId: "1",
        operatingSystemId: "1" }) { errors { message } } }`);
      expect(created.errors).toBeUndefined();
      await stream.waitFor(n + 1);
    }
    expect(stream.received.map((event) => event.errors)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('stops reading for an event when the subscriber leaves', async () => {
    const h = await start();
    const stream = await listen(h, { authorization: basicAuth(DEMO_ADMIN) }, COUNTS);
    await create(h, 0);
    await stream.waitFor(1);
    // The next event's read of the compute resource's images hangs in Foreman…
    h.demo.injectFault({
      method: 'GET',
      path: '/api/compute_resources/1/images',
      delayMs: 30_000,
      times: 1,
    });
    h.resetCounts();
    await create(h, 1);
    const deadline = Date.now() + 5_000;
    while (h.demo.inFlight === 0 && Date.now() < deadline) await sleep(10);
    expect(h.demo.inFlight).toBe(1);
    // …and the subscriber leaves: the read is cancelled, not left to run for 30 s.
    stream.close();
    while (h.demo.inFlight > 0 && Date.now() < deadline) await sleep(10);
    expect(h.demo.inFlight).toBe(0);
  });
});
