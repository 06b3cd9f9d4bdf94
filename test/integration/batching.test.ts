import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/ids.js';
import { describeRequests, type Harness, startHarness } from '../helpers/harness.js';

interface ComputeResourceSummary {
  id: string;
  foremanId: number;
  name: string;
  images: { totalCount: number };
}

let harness: Harness;
let computeResources: ComputeResourceSummary[];
/** The compute resource with the most images (the seed gives one more than 250). */
let largest: ComputeResourceSummary;

beforeAll(async () => {
  harness = await startHarness();
  const result = await harness.query<{ computeResources: { nodes: ComputeResourceSummary[] } }>(
    '{ computeResources(first: 100) { nodes { id foremanId name images(first: 0) { totalCount } } } }',
  );
  computeResources = result.data?.computeResources.nodes ?? [];
  largest = [...computeResources].sort(
    (a, b) => b.images.totalCount - a.images.totalCount,
  )[0] as ComputeResourceSummary;
});

afterAll(() => harness.close());

describe('batching, counted in upstream requests', () => {
  it('first 100 images with architecture { name } and operatingSystem { title }: 1 request', async () => {
    harness.resetCounts();
    const result = await harness.query<{
      images: {
        nodes: Array<{
          name: string;
          architecture: { name: string };
          operatingSystem: { title: string };
        }>;
      };
    }>(
      `query($cr: ID!) { images(computeResourceId: $cr, first: 100) {
         nodes { name architecture { name } operatingSystem { title } } } }`,
      { variables: { cr: largest.id } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.images.nodes).toHaveLength(100);
    for (const image of result.data?.images.nodes ?? []) {
      expect(image.architecture.name).toMatch(/\S/);
      expect(image.operatingSystem.title).toMatch(/\S/);
    }
    expect(describeRequests(harness.upstream())).toEqual([
      `GET /api/compute_resources/${largest.foremanId}/images?page=1&per_page=100&order=id`,
    ]);
  });

  it('with architecture { name createdAt } and operatingSystem { name major }: 3 requests', async () => {
    harness.resetCounts();
    const result = await harness.query<{
      images: {
        nodes: Array<{
          architecture: { name: string; createdAt: string };
          operatingSystem: { name: string; major: string };
        }>;
      };
    }>(
      `query($cr: ID!) { images(computeResourceId: $cr, first: 100) {
         nodes { architecture { name createdAt } operatingSystem { name major } } } }`,
      { variables: { cr: largest.id } },
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data?.images.nodes ?? [];
    expect(nodes).toHaveLength(100);
    for (const node of nodes) {
      expect(node.architecture.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(node.operatingSystem.major).toMatch(/^\d+$/);
    }
    const requests = describeRequests(harness.upstream());
    expect(requests).toHaveLength(3);
    expect(requests[0]).toBe(
      `GET /api/compute_resources/${largest.foremanId}/images?page=1&per_page=100&order=id`,
    );
    expect(requests.slice(1).sort()).toEqual([
      expect.stringMatching(
        /^GET \/api\/architectures\?page=1&per_page=\d+&search=id \^ \([\d,]+\)$/,
      ),
      expect.stringMatching(
        /^GET \/api\/operatingsystems\?page=1&per_page=\d+&search=id \^ \([\d,]+\)$/,
      ),
    ]);
  });

  it('nodes over mixed types: one request per type, results in the order asked', async () => {
    const ids = [
      encodeGlobalId('architecture', 1),
      encodeGlobalId('operatingSystem', 2),
      computeResources[0]?.id as string,
      encodeGlobalId('architecture', 2),
      encodeGlobalId('operatingSystem', 1),
      encodeGlobalId('architecture', 1),
    ];
    harness.resetCounts();
    const result = await harness.query<{
      nodes: Array<{ __typename: string; foremanId: number; name: string }>;
    }>(
      `query($ids: [ID!]!) { nodes(ids: $ids) {
         __typename
         ... on Architecture { foremanId name }
         ... on OperatingSystem { foremanId name }
         ... on ComputeResource { foremanId name } } }`,
      { variables: { ids } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.nodes.map((n) => `${n.__typename}:${n.foremanId}`)).toEqual([
      'Architecture:1',
      'OperatingSystem:2',
      `ComputeResource:${computeResources[0]?.foremanId}`,
      'Architecture:2',
      'OperatingSystem:1',
      'Architecture:1',
    ]);
    expect(describeRequests(harness.upstream()).sort()).toEqual([
      'GET /api/architectures?page=1&per_page=2&search=id ^ (1,2)',
      `GET /api/compute_resources?page=1&per_page=1&search=id ^ (${computeResources[0]?.foremanId})`,
      'GET /api/operatingsystems?page=1&per_page=2&search=id ^ (2,1)',
    ]);
  });

  it('a first: 37 walk over the largest compute resource sees every image once, in order', async () => {
    expect(largest.images.totalCount).toBeGreaterThan(250);
    harness.resetCounts();
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: Awaited<
        ReturnType<
          typeof harness.query<{
            images: {
              edges: Array<{ node: { foremanId: number } }>;
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          }>
        >
      > = await harness.query(
        `query($cr: ID!, $after: String) { images(computeResourceId: $cr, first: 37, after: $after) {
           edges { node { foremanId } } pageInfo { hasNextPage endCursor } } }`,
        { variables: { cr: largest.id, after } },
      );
      expect(result.errors).toBeUndefined();
      const images = result.data?.images;
      seen.push(...(images?.edges.map((e) => e.node.foremanId) ?? []));
      pages += 1;
      if (!images?.pageInfo.hasNextPage) break;
      after = images.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(largest.images.totalCount);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // One upstream request per page of 37: page=n&per_page=37.
    expect(harness.upstream()).toHaveLength(pages);
    expect(harness.upstream().every((r) => r.query.per_page === '37')).toBe(true);
  });

  it('identical reads within one request are made once', async () => {
    harness.resetCounts();
    const result = await harness.query(
      `query($cr: ID!) {
         a: images(computeResourceId: $cr, first: 5) { nodes { name } }
         b: images(computeResourceId: $cr, first: 5) { totalCount }
         c: computeResource(id: $cr) { images(first: 5) { nodes { uuid } } } }`,
      { variables: { cr: largest.id } },
    );
    expect(result.errors).toBeUndefined();
    // The compute resource itself is not read: only its images are asked for.
    expect(describeRequests(harness.upstream())).toEqual([
      `GET /api/compute_resources/${largest.foremanId}/images?page=1&per_page=5&order=id`,
    ]);
  });

  it('a parent asked only for its images costs one request; a missing one is still NOT_FOUND', async () => {
    for (const [field, id] of [
      ['computeResource', largest.foremanId],
      ['operatingSystem', 1],
      ['architecture', 1],
    ] as const) {
      harness.resetCounts();
      const result = await harness.query(
        `{ parent: ${field}(id: "${id}") { id foremanId images(first: 3) { totalCount nodes { name } } } }`,
      );
      expect(result.errors).toBeUndefined();
      expect(harness.upstream()).toHaveLength(1);
      const missing = await harness.query(
        `{ parent: ${field}(id: "4242") { images { totalCount } } }`,
      );
      expect(missing.data).toEqual({ parent: null });
      expect(missing.errors?.[0]).toMatchObject({
        path: ['parent'],
        extensions: { code: 'NOT_FOUND' },
      });
      // A list argument the images field refuses fails that field, not its parent.
      const refused = await harness.query<{ parent: { id: string; images: null } }>(
        `{ parent: ${field}(id: "${id}") { id images(first: -1) { totalCount } } }`,
      );
      expect(refused.data?.parent).toMatchObject({ images: null });
      expect(refused.errors).toHaveLength(1);
      expect(refused.errors?.[0]).toMatchObject({
        path: ['parent', 'images'],
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });

  it('all images across compute resources (first: 1000): one request per compute resource', async () => {
    harness.resetCounts();
    const result = await harness.query<{ images: { nodes: Array<{ foremanId: number }> } }>(
      '{ images(first: 1000) { nodes { foremanId architecture { name } } } }',
    );
    const total = computeResources.reduce((sum, cr) => sum + cr.images.totalCount, 0);
    expect(result.data?.images.nodes).toHaveLength(total);
    expect(harness.upstream()).toHaveLength(1 + computeResources.length);
  });

  it('paging with no parent sees every image once, in one order by id, at 1 + 7 requests a page', async () => {
    const seen: Array<{ foremanId: number; cr: string }> = [];
    let after: string | null = null;
    for (;;) {
      harness.resetCounts();
      const page: Awaited<
        ReturnType<
          typeof harness.query<{
            images: {
              nodes: Array<{ foremanId: number; computeResource: { name: string } }>;
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          }>
        >
      > = await harness.query(
        `query($after: String) { images(first: 90, after: $after) {
           nodes { foremanId computeResource { name } } pageInfo { hasNextPage endCursor } } }`,
        { variables: { after } },
      );
      expect(page.errors).toBeUndefined();
      seen.push(
        ...(page.data?.images.nodes.map((n) => ({
          foremanId: n.foremanId,
          cr: n.computeResource.name,
        })) ?? []),
      );
      // The compute resources, then one page of each (ids after the cursor), however deep.
      expect(harness.upstream()).toHaveLength(1 + computeResources.length);
      if (!page.data?.images.pageInfo.hasNextPage) break;
      after = page.data.images.pageInfo.endCursor;
    }
    const total = computeResources.reduce((sum, cr) => sum + cr.images.totalCount, 0);
    expect(seen).toHaveLength(total);
    const ids = seen.map((s) => s.foremanId);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    expect(new Set(seen.map((s) => s.cr)).size).toBe(
      computeResources.filter((cr) => cr.images.totalCount > 0).length,
    );
  });

  it('last: N with no parent is the end of the whole list', async () => {
    const all = await harness.query<{ images: { nodes: Array<{ foremanId: number }> } }>(
      '{ images(first: 1000) { nodes { foremanId } } }',
    );
    const tail = await harness.query<{
      images: {
        nodes: Array<{ foremanId: number }>;
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean };
      };
    }>('{ images(last: 5) { nodes { foremanId } pageInfo { hasNextPage hasPreviousPage } } }');
    expect(tail.data?.images.nodes).toEqual(all.data?.images.nodes.slice(-5));
    expect(tail.data?.images.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
  });

  it('images with no parent: one list of compute resources, then one request per compute resource', async () => {
    harness.resetCounts();
    const result = await harness.query<{
      images: { totalCount: number; nodes: Array<{ computeResource: { name: string } }> };
    }>('{ images(first: 30) { totalCount nodes { computeResource { name } } } }');
    expect(result.errors).toBeUndefined();
    const expectedTotal = computeResources.reduce((sum, cr) => sum + cr.images.totalCount, 0);
    expect(result.data?.images.totalCount).toBe(expectedTotal);
    expect(result.data?.images.nodes).toHaveLength(30);
    expect(harness.upstream()).toHaveLength(1 + computeResources.length);
  });
});
