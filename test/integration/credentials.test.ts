import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness.close());

const QUERY = `{
  computeResources(first: 50) { nodes { name } }
  images(first: 50) { totalCount nodes { computeResource { name } } } }`;

interface Answer {
  computeResources: { nodes: Array<{ name: string }> };
  images: { totalCount: number; nodes: Array<{ computeResource: { name: string } }> };
}

function namesIn(answer: Answer | null | undefined): Set<string> {
  return new Set([
    ...(answer?.computeResources.nodes.map((n) => n.name) ?? []),
    ...(answer?.images.nodes.map((n) => n.computeResource.name) ?? []),
  ]);
}

describe('credentials are per caller', () => {
  it('two users interleaved under concurrency never see each other’s data (300 requests)', async () => {
    const [admin, viewer] = await Promise.all([
      harness.query<Answer>(QUERY),
      harness.query<Answer>(QUERY, { as: DEMO_VIEWER }),
    ]);
    const adminNames = namesIn(admin.data);
    const viewerNames = namesIn(viewer.data);
    const hiddenFromViewer = [...adminNames].filter((name) => !viewerNames.has(name));
    expect(hiddenFromViewer.length).toBeGreaterThan(0);

    const callers = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? DEMO_ADMIN : DEMO_VIEWER));
    const answers = await Promise.all(
      callers.map((as) => harness.query<Answer>(QUERY, { as }).then((result) => ({ as, result }))),
    );
    for (const { as, result } of answers) {
      expect(result.errors).toBeUndefined();
      const names = namesIn(result.data);
      if (as === DEMO_VIEWER) {
        for (const hidden of hiddenFromViewer) expect(names.has(hidden)).toBe(false);
        expect(result.data?.images.totalCount).toBe(viewer.data?.images.totalCount);
      } else {
        expect(result.data?.images.totalCount).toBe(admin.data?.images.totalCount);
      }
    }
    // Every upstream call carried its own caller's login.
    const logins = new Set(harness.upstream().map((r) => r.login));
    expect(logins).toEqual(new Set(['admin', 'viewer']));
  });

  it('a personal access token as the Basic password is forwarded as is', async () => {
    const token = `Basic ${Buffer.from('admin:demo-admin-token').toString('base64')}`;
    harness.resetCounts();
    const result = await harness.query<{ architectures: { totalCount: number } }>(
      '{ architectures { totalCount } }',
      {
        as: token,
      },
    );
    expect(result.data?.architectures.totalCount).toBeGreaterThan(0);
    expect(harness.upstream()[0]?.headers.authorization).toBe(token);
  });
});

describe('a configured service account', () => {
  it('is used for every caller, with or without their own header', async () => {
    const serviced = await startHarness({
      env: { FOREMAN_USERNAME: DEMO_VIEWER.login, FOREMAN_PASSWORD: DEMO_VIEWER.password },
    });
    try {
      const anonymous = await serviced.query<{ computeResources: { totalCount: number } }>(
        '{ computeResources { totalCount } }',
        { as: null },
      );
      const asAdmin = await serviced.query<{ computeResources: { totalCount: number } }>(
        '{ computeResources { totalCount } }',
      );
      expect(anonymous.data?.computeResources.totalCount).toBe(3);
      expect(asAdmin.data?.computeResources.totalCount).toBe(3);
      expect(new Set(serviced.upstream().map((r) => r.login))).toEqual(new Set(['viewer']));
    } finally {
      await serviced.close();
    }
  });
});
