import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER, DEMO_VIEWER_TOKEN } from '../../src/demo/index.js';
import { encodeImageId } from '../../src/schema/ids.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * The opt-in cache of Foreman's answers (UPSTREAM_CACHE_TTL_MS): per credential, frozen,
 * bounded, and out of date as soon as what it depends on changes, through the gateway or in
 * Foreman itself (read from the audit log).
 */

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const INTERVAL_MS = 150;
const LIST =
  '{ images(computeResourceId: "1", first: 50, order: "id") { nodes { foremanId name computeResource { name } } } }';
type Listed = {
  images: { nodes: Array<{ foremanId: number; name: string; computeResource: { name: string } }> };
};

function imageCalls(h: Harness, computeResource = 1): number {
  return h.upstream().filter((r) => r.path === `/api/compute_resources/${computeResource}/images`)
    .length;
}

async function metric(h: Harness, series: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('the cache of Foreman’s answers', () => {
  it('is off by default: every read is a call', async () => {
    harness = await startHarness();
    await harness.query(LIST);
    await harness.query(LIST);
    expect(imageCalls(harness)).toBe(2);
  });

  it('answers a repeated read without a call while it is fresh, then asks Foreman again', async () => {
    harness = await startHarness({ env: { UPSTREAM_CACHE_TTL_MS: '400' } });
    const first = await harness.query(LIST);
    const second = await harness.query(LIST);
    expect(second.data).toEqual(first.data);
    expect(imageCalls(harness)).toBe(1);
    expect(await metric(harness, 'upstream_cache_lookups_total{outcome="hit"}')).toBe(1);
    await sleep(450);
    await harness.query(LIST);
    expect(imageCalls(harness)).toBe(2);
  });

  it('its writer reads a write back at once', async () => {
    harness = await startHarness({ env: { UPSTREAM_CACHE_TTL_MS: '60000' } });
    const h = harness;
    const before = await h.query<Listed>(LIST);
    const image = before.data?.images.nodes[0];
    if (!image) throw new Error('no image in compute resource 1');
    const renamed = await h.query(
      `mutation { updateImage(input: { id: "${encodeImageId(image.foremanId)}", name: "renamed-through-the-gateway" }) { errors { message } } }`,
    );
    expect(renamed.errors).toBeUndefined();
    const after = await h.query<Listed>(LIST);
    expect(after.data?.images.nodes[0]?.name).toBe('renamed-through-the-gateway');
  });

  it('keeps each credential’s answers to itself, under concurrency', async () => {
    harness = await startHarness({ env: { UPSTREAM_CACHE_TTL_MS: '60000' } });
    const h = harness;
    const everywhere =
      '{ images(first: 1000) { nodes { foremanId computeResource { foremanId } } } }';
    type All = {
      images: { nodes: Array<{ foremanId: number; computeResource: { foremanId: number } }> };
    };
    // What Foreman shows each of them, asked once apart.
    const truth = {
      admin: JSON.stringify((await h.query<All>(everywhere, { as: DEMO_ADMIN })).data),
      viewer: JSON.stringify((await h.query<All>(everywhere, { as: DEMO_VIEWER })).data),
    };
    expect(truth.admin).not.toBe(truth.viewer);
    const asked = await Promise.all(
      Array.from({ length: 60 }, (_, n) =>
        h.query<All>(everywhere, { as: n % 2 === 0 ? DEMO_ADMIN : DEMO_VIEWER }).then((answer) => ({
          who: n % 2 === 0 ? 'admin' : 'viewer',
          data: JSON.stringify(answer.data),
        })),
      ),
    );
    for (const { who, data } of asked) expect(data).toBe(truth[who as 'admin' | 'viewer']);
  });

  it('forgets a credential Foreman refuses: nothing read with it is served again', async () => {
    harness = await startHarness({ env: { UPSTREAM_CACHE_TTL_MS: '60000' } });
    const h = harness;
    const token = basicAuth({ login: DEMO_VIEWER.login, password: DEMO_VIEWER_TOKEN });
    const lab = '{ images(computeResourceId: "1", first: 5) { nodes { name } } }';
    expect((await h.query(lab, { as: token })).errors).toBeUndefined();
    h.demo.accounts.revokeToken(DEMO_VIEWER.login, DEMO_VIEWER_TOKEN);
    // Another read with it reaches Foreman, which refuses it…
    const refused = await h.query('{ architectures { totalCount } }', { as: token });
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // …and what was read with it before is not served any more.
    const again = await h.query(lab, { as: token });
    expect(again.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(again.data).toEqual({ images: null });
  });

  it('never keeps a failed answer', async () => {
    harness = await startHarness({
      env: { UPSTREAM_CACHE_TTL_MS: '60000', UPSTREAM_RETRIES: '0' },
    });
    const h = harness;
    h.demo.injectFault({ method: 'GET', path: '/api/compute_resources/1/images', status: 500 });
    expect((await h.query(LIST)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect((await h.query(LIST)).errors).toBeUndefined();
    expect(imageCalls(h)).toBe(2);
  });

  it('holds no more than UPSTREAM_CACHE_MAX_BYTES, however many distinct reads', async () => {
    harness = await startHarness({
      env: { UPSTREAM_CACHE_TTL_MS: '60000', UPSTREAM_CACHE_MAX_BYTES: '20000' },
    });
    const h = harness;
    for (let n = 0; n < 40; n++) {
      await h.query(`{ images(computeResourceId: "1", first: ${n + 1}) { nodes { name } } }`);
    }
    const bytes = await metric(h, 'upstream_cache_bytes');
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(20_000);
  });
});

describe('with a service account, changes made in Foreman itself', () => {
  async function serviceAccountHarness() {
    return startHarness({
      env: {
        UPSTREAM_CACHE_TTL_MS: '60000',
        AUDIT_POLL_INTERVAL_MS: String(INTERVAL_MS),
        FOREMAN_USERNAME: DEMO_ADMIN.login,
        FOREMAN_PASSWORD: DEMO_ADMIN.password,
      },
    });
  }

  it('evict what they touch once the audit log shows them: an image renamed', async () => {
    harness = await serviceAccountHarness();
    const h = harness;
    const before = await h.query<Listed>(LIST, { as: null });
    const image = before.data?.images.nodes[0];
    if (!image) throw new Error('no image in compute resource 1');
    // A tail of the audit log runs while the cache holds entries, subscribers or not.
    await sleep(INTERVAL_MS * 3);
    h.demo.foremanUi.updateImage(image.foremanId, { name: 'renamed-in-the-ui' });
    await expect
      .poll(async () => (await h.query<Listed>(LIST, { as: null })).data?.images.nodes[0]?.name, {
        timeout: INTERVAL_MS * 20,
      })
      .toBe('renamed-in-the-ui');
  });

  it('evict what they touch: a compute resource renamed, whose name image rows carry', async () => {
    harness = await serviceAccountHarness();
    const h = harness;
    await h.query(LIST, { as: null });
    await sleep(INTERVAL_MS * 3);
    h.demo.foremanUi.renameComputeResource(1, 'kvm-lab-renamed');
    await expect
      .poll(
        async () =>
          (await h.query<Listed>(LIST, { as: null })).data?.images.nodes[0]?.computeResource.name,
        { timeout: INTERVAL_MS * 20 },
      )
      .toBe('kvm-lab-renamed');
  });

  it('without a tail (forwarding, no subscriber) the TTL bounds how stale an answer may be', async () => {
    harness = await startHarness({
      env: { UPSTREAM_CACHE_TTL_MS: '600', AUDIT_POLL_INTERVAL_MS: String(INTERVAL_MS) },
    });
    const h = harness;
    const before = await h.query<Listed>(LIST);
    const image = before.data?.images.nodes[0];
    if (!image) throw new Error('no image in compute resource 1');
    h.demo.foremanUi.updateImage(image.foremanId, { name: 'changed-behind-its-back' });
    expect((await h.query<Listed>(LIST)).data?.images.nodes[0]?.name).toBe(image.name);
    await sleep(650);
    expect((await h.query<Listed>(LIST)).data?.images.nodes[0]?.name).toBe(
      'changed-behind-its-back',
    );
    expect(h.upstream().filter((r) => r.path === '/api/audits')).toEqual([]);
  });
});
