import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER, extraUser } from '../../src/demo/index.js';
import { encodeImageId } from '../../src/schema/ids.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { subscribe } from '../helpers/sse.js';

/**
 * The imageChanged subscription over Server-Sent Events: the gateway's own writes at once,
 * changes made elsewhere from Foreman's audit log, each told once, and only as far as Foreman
 * lets each subscriber see.
 */

const INTERVAL_MS = 150;
const SUBSCRIPTION = `subscription($cr: ID) { imageChanged(computeResourceId: $cr) {
  action imageId foremanId changedBy requestId image { name computeResource { foremanId } } } }`;

interface Change {
  action: string;
  imageId: string;
  foremanId: number;
  changedBy: string | null;
  requestId: string | null;
  image: { name: string; computeResource: { foremanId: number } } | null;
}
type Event = {
  data?: { imageChanged: Change };
  errors?: Array<{ extensions?: { code?: string } }>;
};

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(env: Record<string, string> = {}) {
  harness = await startHarness({ env: { AUDIT_POLL_INTERVAL_MS: String(INTERVAL_MS), ...env } });
  return harness;
}

function listen(h: Harness, as: string, variables: Record<string, unknown> = {}) {
  return subscribe<Event>(h.url, SUBSCRIPTION, { headers: { authorization: as }, variables });
}

/** Lets the tails read the audit log a few times: anything still to come would have come. */
const settle = () => sleep(INTERVAL_MS * 5);

const changes = (events: Event[]) => events.map((event) => event.data?.imageChanged);

describe('imageChanged', () => {
  it("tells a subscriber of the gateway's own create, update and delete once each", async () => {
    const h = await start();
    const stream = await listen(h, basicAuth(DEMO_ADMIN));
    await sleep(INTERVAL_MS * 2);
    const created = await h.query<{ createImage: { image: { id: string; foremanId: number } } }>(
      `mutation { createImage(input: { computeResourceId: "1", name: "live-1", username: "root",
        uuid: "/var/lib/libvirt/images/live-1.qcow2", architectureId: "1", operatingSystemId: "1" }) {
        image { id foremanId } } }`,
      { headers: { 'x-request-id': 'live-create-1' } },
    );
    const id = created.data?.createImage.image.id as string;
    await h.query(
      `mutation { updateImage(input: { id: "${id}", name: "live-1b" }) { image { id } } }`,
    );
    await h.query(`mutation { deleteImage(input: { id: "${id}" }) { deletedId } }`);
    await stream.waitFor(3);
    await settle();
    expect(changes(stream.received)).toEqual([
      expect.objectContaining({
        action: 'CREATED',
        imageId: id,
        changedBy: 'admin',
        requestId: 'live-create-1',
        image: { name: 'live-1', computeResource: { foremanId: 1 } },
      }),
      expect.objectContaining({
        action: 'UPDATED',
        imageId: id,
        image: expect.objectContaining({ name: 'live-1b' }),
      }),
      expect.objectContaining({ action: 'DELETED', imageId: id, image: null }),
    ]);
    stream.close();
  });

  it('tells of a change made in Foreman’s UI within the polling interval, with who made it', async () => {
    const h = await start();
    const stream = await listen(h, basicAuth(DEMO_ADMIN));
    await sleep(INTERVAL_MS * 2);
    const image = h.demo.store.images.find((i) => i.computeResourceId === 1);
    if (!image) throw new Error('no image in compute resource 1');
    const { audit } = h.demo.foremanUi.updateImage(image.id, { name: 'renamed-in-the-ui' });
    const [event] = await stream.waitFor(1, INTERVAL_MS * 10);
    expect(event?.data?.imageChanged).toEqual({
      action: 'UPDATED',
      imageId: encodeImageId(image.id),
      foremanId: image.id,
      changedBy: 'admin',
      requestId: audit?.requestUuid,
      image: { name: 'renamed-in-the-ui', computeResource: { foremanId: 1 } },
    });
    await settle();
    expect(stream.received).toHaveLength(1);
    stream.close();
  });

  it('tells an own write once when the audit log shows it before the answer arrives', async () => {
    const h = await start();
    const stream = await listen(h, basicAuth(DEMO_ADMIN));
    await sleep(INTERVAL_MS * 2);
    const image = h.demo.store.images.find((i) => i.computeResourceId === 1);
    if (!image) throw new Error('no image in compute resource 1');
    // Foreman commits the write (and its audit row) at once but its answer is slow to arrive:
    // the tail reads the row several times over before the gateway can announce the write.
    h.demo.injectFault({ method: 'PUT', path: /\/images\/\d+$/, bodyStallMs: INTERVAL_MS * 8 });
    const written = await h.query(
      `mutation { updateImage(input: { id: "${encodeImageId(image.id)}", name: "told-once" }) {
        errors { message } } }`,
      { headers: { 'x-request-id': 'told-once-1' } },
    );
    expect(written.errors).toBeUndefined();
    await stream.waitFor(1);
    await settle();
    expect(changes(stream.received)).toEqual([
      expect.objectContaining({ action: 'UPDATED', requestId: 'told-once-1' }),
    ]);
    stream.close();
  });

  it('the viewer hears nothing of a compute resource it cannot see; the admin does', async () => {
    const h = await start();
    const admin = await listen(h, basicAuth(DEMO_ADMIN));
    const viewer = await listen(h, basicAuth(DEMO_VIEWER));
    await sleep(INTERVAL_MS * 2);
    // vcenter-prod (2) is outside the viewer's taxonomies; kvm-lab (1) is inside.
    const hidden = h.demo.store.images.find((i) => i.computeResourceId === 2);
    const shown = h.demo.store.images.find((i) => i.computeResourceId === 1);
    if (!hidden || !shown) throw new Error('missing seed images');
    h.demo.foremanUi.updateImage(hidden.id, { name: 'secret-rename' });
    await admin.waitFor(1, INTERVAL_MS * 10);
    await h.query(
      `mutation { updateImage(input: { id: "${hidden.id}", name: "secret-2" }) { errors { message } } }`,
    );
    await admin.waitFor(2, INTERVAL_MS * 10);
    h.demo.foremanUi.updateImage(shown.id, { name: 'public-rename' });
    await viewer.waitFor(1, INTERVAL_MS * 10);
    await settle();
    expect(changes(viewer.received)).toEqual([
      expect.objectContaining({
        foremanId: shown.id,
        image: expect.objectContaining({ name: 'public-rename' }),
      }),
    ]);
    expect(JSON.stringify(viewer.received)).not.toContain(encodeImageId(hidden.id));
    expect(JSON.stringify(viewer.received)).not.toMatch(/secret/);
    expect(changes(admin.received).map((c) => c?.foremanId)).toEqual([
      hidden.id,
      hidden.id,
      shown.id,
    ]);
    admin.close();
    viewer.close();
  });

  it('filters by compute resource', async () => {
    const h = await start();
    const lab = await listen(h, basicAuth(DEMO_ADMIN), { cr: '1' });
    await sleep(INTERVAL_MS * 2);
    const elsewhere = h.demo.store.images.find((i) => i.computeResourceId === 5);
    const inLab = h.demo.store.images.find((i) => i.computeResourceId === 1);
    if (!elsewhere || !inLab) throw new Error('missing seed images');
    h.demo.foremanUi.updateImage(elsewhere.id, { name: 'not-in-the-lab' });
    h.demo.foremanUi.updateImage(inLab.id, { name: 'in-the-lab' });
    await lab.waitFor(1, INTERVAL_MS * 10);
    await settle();
    expect(changes(lab.received).map((c) => c?.foremanId)).toEqual([inLab.id]);
    lab.close();
  });

  it('a change whose audit row becomes visible late (a slow transaction) is still told', async () => {
    const h = await start({ AUDIT_GRACE_MS: '5000' });
    const stream = await listen(h, basicAuth(DEMO_ADMIN));
    await sleep(INTERVAL_MS * 2);
    const [first, second] = h.demo.store.images.filter((i) => i.computeResourceId === 1);
    if (!first || !second) throw new Error('missing seed images');
    const slow = h.demo.foremanUi.beginSlowTransaction();
    slow.updateImage(first.id, { name: 'committed-late' }); // takes the lower audit id
    h.demo.foremanUi.updateImage(second.id, { name: 'committed-first' });
    await stream.waitFor(1, INTERVAL_MS * 10);
    slow.commit();
    await stream.waitFor(2, INTERVAL_MS * 10);
    expect(changes(stream.received).map((c) => c?.image?.name)).toEqual([
      'committed-first',
      'committed-late',
    ]);
    stream.close();
  });

  it('polls once per credential, with it, and not at all once everyone has left', async () => {
    const h = await start();
    const streams = await Promise.all([
      ...Array.from({ length: 5 }, () => listen(h, basicAuth(DEMO_ADMIN))),
      ...Array.from({ length: 2 }, () => listen(h, basicAuth(DEMO_VIEWER))),
    ]);
    await sleep(INTERVAL_MS * 6);
    const polls = h.upstream().filter((r) => r.path === '/api/audits');
    // One tail per credential, polling as its owner: about one poll per interval (six here) for
    // the five admins together, not five per interval, and as many for the two viewers.
    expect(new Set(polls.map((r) => r.login))).toEqual(
      new Set([DEMO_ADMIN.login, DEMO_VIEWER.login]),
    );
    for (const login of [DEMO_ADMIN.login, DEMO_VIEWER.login]) {
      const ofLogin = polls.filter((r) => r.login === login);
      expect(ofLogin.length).toBeGreaterThanOrEqual(2);
      expect(ofLogin.length).toBeLessThanOrEqual(8);
    }
    for (const stream of streams) stream.close();
    await sleep(INTERVAL_MS);
    h.resetCounts();
    await sleep(INTERVAL_MS * 5);
    expect(h.upstream().filter((r) => r.path === '/api/audits')).toEqual([]);
  });

  it('credentials Foreman refuses end the subscription with UNAUTHENTICATED', async () => {
    const h = await start();
    const stream = await listen(h, `Basic ${Buffer.from('admin:wrong').toString('base64')}`);
    await stream.ended;
    expect(stream.received.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(h.demo.failedLogins('127.0.0.1')).toBe(1);
  });

  it("reads for an event in its subscribers' share of Foreman, not the background work's one slot", async () => {
    // 16 connections leave background work (audit polls, readiness) 1 slot. Six users each
    // subscribed: the reads that tell each of them of one write are theirs, side by side.
    harness = await startHarness({
      env: { AUDIT_POLL_INTERVAL_MS: '600000', UPSTREAM_CONNECTIONS: '16' },
      demo: { latencyMs: 100, extraUsers: 6 },
    });
    const h = harness;
    const users = Array.from({ length: 6 }, (_, n) => extraUser(n + 1));
    const streams = await Promise.all(users.map((user) => listen(h, basicAuth(user))));
    const shown = h.demo.store.images.find((i) => i.computeResourceId === 1);
    if (!shown) throw new Error('missing seed image');
    await h.query(
      `mutation { updateImage(input: { id: "${shown.id}", name: "told-to-six" }) { errors { message } } }`,
    );
    h.demo.resetRequests();
    await Promise.all(streams.map((stream) => stream.waitFor(1)));
    expect(
      changes(streams.flatMap((stream) => stream.received)).map((c) => c?.image?.name),
    ).toEqual(Array(6).fill('told-to-six'));
    // In the background share they went one at a time (a peak of 1).
    expect(h.demo.peakInFlight).toBeGreaterThan(1);
    for (const stream of streams) stream.close();
  });

  it('limits subscriptions per caller', async () => {
    const h = await start({ MAX_SUBSCRIPTIONS_PER_CALLER: '2' });
    const open = [await listen(h, basicAuth(DEMO_ADMIN)), await listen(h, basicAuth(DEMO_ADMIN))];
    const third = await listen(h, basicAuth(DEMO_ADMIN));
    await third.ended;
    expect(third.received[0]?.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
    for (const stream of open) stream.close();
  });
});
