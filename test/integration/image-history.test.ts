import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { encodeGlobalId } from '../../src/schema/ids.js';
import { basicAuth, describeRequests, type Harness, startHarness } from '../helpers/harness.js';
import { subscribe } from '../helpers/sse.js';

/**
 * `Image.history` over real HTTP against the demo: read from Foreman's audit log, batched for a
 * page of images, paged by keyset, refused without view_audit_logs, never showing a password,
 * and telling the same changes as `imageChanged`.
 */

const CHANGE = `fragment Change on ImageChangeDetails {
  action changedAt changedBy requestId changes { attribute before after } }`;

interface AttributeChange {
  attribute: string;
  before: string | null;
  after: string | null;
}

interface Entry {
  auditId: number;
  action: string;
  changedAt: string;
  changedBy: string | null;
  requestId: string | null;
  changes: AttributeChange[];
}

interface History {
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  nodes: Entry[];
}

interface ImageWithHistory {
  foremanId: number;
  name: string;
  history: History | null;
}

const HISTORY = `history(first: $first, after: $after) {
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  nodes { auditId ...Change } }`;

const PAGE_OF_IMAGES = `query($cr: ID!, $images: Int!, $first: Int, $after: String) {
  images(computeResourceId: $cr, first: $images) { nodes { foremanId name ${HISTORY} } } }
  ${CHANGE}`;

const ONE_IMAGE = `query($id: ID!, $first: Int, $after: String) {
  image(id: $id) { foremanId name ${HISTORY} } } ${CHANGE}`;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { AUDIT_POLL_INTERVAL_MS: '150' } });
});

afterAll(() => h.close());

beforeEach(() => {
  h.demo.resetData();
  h.resetCounts();
});

/** The ids of an image's audit rows as the demo holds them, newest first. */
function auditIdsOf(imageId: number): number[] {
  return h.demo.store.audits
    .filter((audit) => audit.auditableType === 'Image' && audit.auditableId === imageId)
    .map((audit) => audit.id)
    .sort((a, b) => b - a);
}

/** The first images of a compute resource, by id (as the gateway lists them). */
function imagesOf(computeResourceId: number, count: number) {
  return h.demo.store.images
    .filter((image) => image.computeResourceId === computeResourceId)
    .sort((a, b) => a.id - b.id)
    .slice(0, count);
}

/** The image at `index` of a list the test knows is long enough. */
function nth<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index} in a list of ${list.length}`);
  return item;
}

function rename(imageId: number, times: number, prefix: string): void {
  for (let n = 1; n <= times; n++)
    h.demo.foremanUi.updateImage(imageId, { name: `${prefix}-${n}` });
}

async function pageOfImages(variables: Record<string, unknown>) {
  const result = await h.query<{ images: { nodes: ImageWithHistory[] } }>(PAGE_OF_IMAGES, {
    variables,
  });
  expect(result.errors).toBeUndefined();
  return result.data?.images.nodes ?? [];
}

const auditRequests = () =>
  describeRequests(h.upstream().filter((request) => request.path === '/api/audits'));

describe('Image.history', () => {
  it('serves a page of 20 images with one audits request, newest first', async () => {
    const images = imagesOf(1, 20);
    const [first, second] = [nth(images, 0), nth(images, 1)];
    const { audit } = h.demo.foremanUi.updateImage(first.id, { name: 'renamed-in-the-ui' });
    h.resetCounts();

    const nodes = await pageOfImages({ cr: '1', images: 20 });

    expect(nodes.map((node) => node.foremanId)).toEqual(images.map((image) => image.id));
    expect(describeRequests(h.upstream())).toEqual([
      'GET /api/compute_resources/1/images?page=1&per_page=20&order=id',
      `GET /api/audits?page=1&per_page=420&search=type = image and auditable_id ^ (${images
        .map((image) => image.id)
        .join(',')})&order=id DESC`,
    ]);
    for (const node of nodes) {
      expect(node.history?.nodes.map((entry) => entry.auditId)).toEqual(auditIdsOf(node.foremanId));
      expect(node.history?.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    }
    const renamed = nodes[0]?.history?.nodes ?? [];
    expect(renamed).toEqual([
      {
        auditId: audit?.id,
        action: 'UPDATED',
        changedAt: audit?.createdAt.toISOString().replace(/\.\d{3}Z$/, '.000Z'),
        changedBy: 'admin',
        requestId: audit?.requestUuid,
        changes: [{ attribute: 'name', before: first.name, after: 'renamed-in-the-ui' }],
      },
      expect.objectContaining({ action: 'CREATED', changedBy: 'admin' }),
    ]);
    // A creation lists what it set, named as the inputs, ids as global ids, in field order.
    // Libvirt has no user data: Foreman audits `user_data: false` anyway, but shows no userData.
    expect(nodes[1]?.history?.nodes[0]?.changes).toEqual([
      { attribute: 'name', before: null, after: second.name },
      { attribute: 'uuid', before: null, after: second.uuid },
      { attribute: 'username', before: null, after: second.username },
      {
        attribute: 'computeResourceId',
        before: null,
        after: encodeGlobalId('computeResource', 1),
      },
      {
        attribute: 'architectureId',
        before: null,
        after: encodeGlobalId('architecture', second.architectureId),
      },
      {
        attribute: 'operatingSystemId',
        before: null,
        after: encodeGlobalId('operatingSystem', second.operatingsystemId),
      },
    ]);
  });

  it('reads an image that did not fit in the shared request on its own, below that request', async () => {
    const images = imagesOf(1, 3);
    const [x, y, z] = [nth(images, 0), nth(images, 1), nth(images, 2)];
    // Oldest first: z's renames, then x's and y's. With first: 2 each image asks for 3 rows, so
    // the shared request asks for 9: y's 4 and x's 4 (complete), and only z's newest.
    rename(z.id, 4, 'z');
    rename(x.id, 4, 'x');
    rename(y.id, 4, 'y');
    h.resetCounts();

    const nodes = await pageOfImages({ cr: '1', images: 3, first: 2 });

    const oldestShared = nth(auditIdsOf(z.id), 0);
    expect(auditRequests()).toEqual([
      `GET /api/audits?page=1&per_page=9&search=type = image and auditable_id ^ (${x.id},${y.id},${z.id})&order=id DESC`,
      `GET /api/audits?page=1&per_page=2&search=type = image and auditable_id = ${z.id} and id < ${oldestShared}&order=id DESC`,
    ]);
    for (const node of nodes) {
      expect(node.history?.nodes.map((entry) => entry.auditId)).toEqual(
        auditIdsOf(node.foremanId).slice(0, 2),
      );
      expect(node.history?.pageInfo.hasNextPage).toBe(true);
    }
    expect(nodes[2]?.history?.nodes.map((entry) => entry.changes[0]?.after)).toEqual([
      'z-4',
      'z-3',
    ]);
  });

  it('reads the images one long history crowded out together, in one more request', async () => {
    const images = imagesOf(1, 20);
    const busy = nth(images, 0);
    // Newer than every other image's rows: the shared request (21 rows each) is all busy's.
    rename(busy.id, 25 * 20, 'busy');
    h.resetCounts();

    const nodes = await pageOfImages({ cr: '1', images: 20 });

    const requests = auditRequests();
    expect(requests).toHaveLength(2);
    const others = images.slice(1).map((image) => image.id);
    const oldestShared = nth(auditIdsOf(busy.id), 419);
    expect(requests[1]).toBe(
      `GET /api/audits?page=1&per_page=399&search=type = image and auditable_id ^ (${others.join(',')}) and id < ${oldestShared}&order=id DESC`,
    );
    expect(nodes[0]?.history?.nodes).toHaveLength(20);
    expect(nodes[0]?.history?.pageInfo.hasNextPage).toBe(true);
    for (const node of nodes.slice(1)) {
      expect(node.history?.nodes.map((entry) => entry.auditId)).toEqual(auditIdsOf(node.foremanId));
      expect(node.history?.pageInfo.hasNextPage).toBe(false);
    }
  });

  it('pages one image’s history with `after`: its own keyset request each', async () => {
    const image = nth(imagesOf(1, 1), 0);
    rename(image.id, 4, 'paged');
    const all = auditIdsOf(image.id);
    expect(all).toHaveLength(5);
    const id = String(image.id);
    const pages: Entry[][] = [];
    let after: string | null = null;
    let hasNextPage = true;
    while (hasNextPage) {
      h.resetCounts();
      const result: { data?: { image: ImageWithHistory } | null; errors?: unknown[] } =
        await h.query<{ image: ImageWithHistory }>(ONE_IMAGE, {
          variables: { id, first: 2, after },
        });
      expect(result.errors).toBeUndefined();
      const history = result.data?.image.history as History;
      const before = after === null ? undefined : all[pages.length * 2 - 1];
      expect(auditRequests()).toEqual([
        `GET /api/audits?page=1&per_page=3&search=type = image and auditable_id = ${image.id}${
          before === undefined ? '' : ` and id < ${before}`
        }&order=id DESC`,
      ]);
      expect(history.pageInfo.hasPreviousPage).toBe(after !== null);
      pages.push(history.nodes);
      after = history.pageInfo.endCursor;
      hasNextPage = history.pageInfo.hasNextPage;
    }
    expect(pages.map((page) => page.map((entry) => entry.auditId))).toEqual([
      all.slice(0, 2),
      all.slice(2, 4),
      all.slice(4),
    ]);
    expect(pages.at(-1)?.at(-1)?.action).toBe('CREATED');
  });

  it('refuses a bad cursor or page size before any request', async () => {
    const result = await h.query(
      `{ image(id: "1") { name a: history(first: -1) { nodes { auditId } }
         b: history(after: "bm90LWEtY3Vyc29y") { nodes { auditId } } } }`,
    );
    expect(result.data).toEqual({ image: { name: expect.any(String), a: null, b: null } });
    expect(result.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['image', 'a'], 'BAD_USER_INPUT'],
      [['image', 'b'], 'BAD_USER_INPUT'],
    ]);
    expect(auditRequests()).toEqual([]);
  });

  it('is null with FORBIDDEN for a caller without view_audit_logs, its siblings intact', async () => {
    h.demo.accounts.removePermission(DEMO_VIEWER.login, 'view_audit_logs');
    const result = await h.query<{ images: { nodes: ImageWithHistory[] } }>(
      `{ images(computeResourceId: "1", first: 3) {
          nodes { foremanId name history { nodes { auditId } } } } }`,
      { as: DEMO_VIEWER },
    );
    const images = imagesOf(1, 3);
    expect(result.data?.images.nodes).toEqual(
      images.map((image) => ({ foremanId: image.id, name: image.name, history: null })),
    );
    expect(result.errors?.map((error) => [error.path, error.extensions?.code])).toEqual(
      images.map((_image, index) => [['images', 'nodes', index, 'history'], 'FORBIDDEN']),
    );
    // One request for all three, refused once.
    expect(
      h
        .upstream()
        .filter((r) => r.path === '/api/audits')
        .map((r) => r.status),
    ).toEqual([403]);
  });

  it('never shows a password: not its value, not that it changed', async () => {
    const secrets = ['first-s3cret-value', 'second-s3cret-value'];
    const created = await h.query<{ createImage: { image: { id: string } } }>(
      `mutation($password: String) { createImage(input: { computeResourceId: "3", name: "golden",
        username: "ec2-user", uuid: "ami-0123456789abcdef0", password: $password, architectureId: "1",
        operatingSystemId: "1", userData: true, iamRole: "builder" }) { image { id } } }`,
      { variables: { password: secrets[0] } },
    );
    const id = created.data?.createImage.image.id as string;
    expect(id).toEqual(expect.any(String));
    const updated = await h.query<{ updateImage: { image: { history: History } } }>(
      `mutation($id: ID!, $password: String) {
        updateImage(input: { id: $id, name: "golden-2", password: $password }) {
          image { history { nodes { auditId ...Change } } } } } ${CHANGE}`,
      { variables: { id, password: secrets[1] } },
    );
    await h.query(
      `mutation($id: ID!) { updateImage(input: { id: $id, password: "third-s3cret-value" }) { image { id } } }`,
      { variables: { id } },
    );
    const result = await h.query<{ image: ImageWithHistory }>(ONE_IMAGE, { variables: { id } });
    expect(result.errors).toBeUndefined();

    // Foreman's rows record the password (redacted); the history leaves it out altogether.
    const rows = h.demo.store.audits.filter(
      (a) => a.auditableId === Number(atob(id).split('-')[1]),
    );
    expect(rows.map((row) => 'password' in row.auditedChanges)).toEqual([true, true, true]);
    const entries = result.data?.image.history?.nodes ?? [];
    expect(entries.map((entry) => entry.action)).toEqual(['UPDATED', 'UPDATED', 'CREATED']);
    // The password alone changed: the entry is there, with nothing to show.
    expect(entries[0]?.changes).toEqual([]);
    expect(entries[1]?.changes).toEqual([
      { attribute: 'name', before: 'golden', after: 'golden-2' },
    ]);
    // EC2 shows user data and the IAM role, so their creation is shown.
    expect(entries[2]?.changes.map((change) => change.attribute)).toEqual([
      'name',
      'uuid',
      'username',
      'userData',
      'iamRole',
      'computeResourceId',
      'architectureId',
      'operatingSystemId',
    ]);
    // Read within the mutation, the history already holds the update's own row.
    expect(updated.data?.updateImage.image.history.nodes.map((e) => e.auditId)).toEqual(
      entries.slice(1).map((e) => e.auditId),
    );
    for (const text of [JSON.stringify(result), JSON.stringify(updated)]) {
      for (const secret of [...secrets, 'third-s3cret-value', 'redacted', 'password']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('an entry and the imageChanged event for the same change carry the same changes', async () => {
    const stream = await subscribe<{ data?: { imageChanged: Entry & { foremanId: number } } }>(
      h.url,
      `subscription { imageChanged(computeResourceId: "2") { foremanId ...Change } } ${CHANGE}`,
      { headers: { authorization: basicAuth(DEMO_ADMIN) } },
    );
    // Let the tail start before anything changes.
    await sleep(300);
    const created = await h.query<{ createImage: { image: { id: string; foremanId: number } } }>(
      `mutation { createImage(input: { computeResourceId: "2", name: "told-and-kept",
        username: "root", uuid: "Templates/told-and-kept", password: "s3cret", architectureId: "1",
        operatingSystemId: "1" }) { image { id foremanId } } }`,
    );
    const { id, foremanId } = created.data?.createImage.image ?? { id: '', foremanId: 0 };
    // Through the gateway: the event is told from the write itself.
    await h.query(
      `mutation($id: ID!) { updateImage(input: { id: $id, name: "told-and-kept-2",
        userData: true, architectureId: "2", password: "other" }) { image { id } } }`,
      { variables: { id } },
    );
    // Elsewhere: the event is read from the audit log.
    h.demo.foremanUi.updateImage(foremanId, { uuid: 'Templates/moved', userData: false });
    const events = (await stream.waitFor(3)).map((event) => event.data?.imageChanged);
    stream.close();

    const result = await h.query<{ image: ImageWithHistory }>(ONE_IMAGE, { variables: { id } });
    const entries = result.data?.image.history?.nodes ?? [];
    expect(entries).toHaveLength(3);
    const shared = (change: Partial<Entry> | undefined) => ({
      action: change?.action,
      changedBy: change?.changedBy,
      requestId: change?.requestId,
      changes: change?.changes,
    });
    expect(events.map(shared)).toEqual([...entries].reverse().map(shared));
    expect(events.map((event) => event?.changes.map((change) => change.attribute))).toEqual([
      [
        'name',
        'uuid',
        'username',
        'userData',
        'computeResourceId',
        'architectureId',
        'operatingSystemId',
      ],
      ['name', 'userData', 'architectureId'],
      ['uuid', 'userData'],
    ]);
  });
});
