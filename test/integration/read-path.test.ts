import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VIEWER } from '../../src/demo/index.js';
import { encodeGlobalId, encodeImageId } from '../../src/schema/ids.js';
import { describeRequests, type Harness, startHarness } from '../helpers/harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness.close());

/** The first few images of the demo, read straight from Foreman's REST API for comparison. */
async function restImages(path: string, query = 'per_page=5&order=id') {
  const response = await fetch(`${harness.demo.url}${path}?${query}`, {
    headers: { authorization: `Basic ${Buffer.from('admin:changeme').toString('base64')}` },
  });
  return (await response.json()) as {
    subtotal: number;
    results: Array<{
      id: number;
      name: string;
      uuid: string;
      compute_resource_id: number;
      architecture_id: number;
      operatingsystem_id: number;
    }>;
  };
}

describe('every Query field over the demo upstream', () => {
  it('architecture, by global and by numeric id, with its operating systems (show) and images', async () => {
    harness.resetCounts();
    const result = await harness.query<{
      byGlobal: {
        id: string;
        foremanId: number;
        name: string;
        operatingSystems: Array<{ title: string }>;
        images: { totalCount: number };
      };
      byNumber: { name: string };
    }>(`{
      byGlobal: architecture(id: "${encodeGlobalId('architecture', 1)}") {
        id foremanId name operatingSystems { title } images(first: 1) { totalCount } }
      byNumber: architecture(id: "1") { name } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.byGlobal).toMatchObject({ id: 'MDE6QXJjaGl0ZWN0dXJlLTE=', foremanId: 1 });
    expect(result.data?.byGlobal.name).toBe(result.data?.byNumber.name);
    expect(result.data?.byGlobal.operatingSystems.length).toBeGreaterThan(0);
    expect(result.data?.byGlobal.images.totalCount).toBeGreaterThan(0);
    // The record once (both aliases share it), the show for operating systems, one image page.
    expect(describeRequests(harness.upstream()).sort()).toEqual([
      'GET /api/architectures/1',
      'GET /api/architectures/1/images?page=1&per_page=1&order=id',
      'GET /api/architectures?page=1&per_page=1&search=id ^ (1)',
    ]);
  });

  it('architectures, operatingSystems and computeResources connections with totalCount', async () => {
    harness.resetCounts();
    const result = await harness.query<
      Record<string, { totalCount: number; nodes: Array<{ name: string }> }>
    >(`{
      architectures(first: 2) { totalCount nodes { name } }
      operatingSystems(first: 3, search: "family = Redhat") { totalCount nodes { name } }
      computeResources(first: 50) { totalCount nodes { name } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.architectures?.nodes).toHaveLength(2);
    expect(result.data?.architectures?.totalCount).toBeGreaterThan(2);
    expect(
      result.data?.operatingSystems?.nodes.every(
        (os) => os.name === 'RedHat' || os.name === 'CentOS' || os.name.length > 0,
      ),
    ).toBe(true);
    expect(result.data?.computeResources?.nodes.length).toBe(
      result.data?.computeResources?.totalCount,
    );
    expect(harness.upstream()).toHaveLength(3);
  });

  it('operatingSystem with its architectures and images; computeResource with its images', async () => {
    const result = await harness.query<{
      operatingSystem: {
        title: string;
        architectures: Array<{ name: string }>;
        images: { nodes: Array<{ operatingSystem: { title: string } }> };
      };
      computeResource: {
        name: string;
        provider: string;
        images: { nodes: Array<{ computeResource: { name: string } }> };
      };
    }>(`{
      operatingSystem(id: "${encodeGlobalId('operatingSystem', 1)}") {
        title architectures { name } images(first: 3) { nodes { operatingSystem { title } } } }
      computeResource(id: "1") { name provider images(first: 3) { nodes { computeResource { name } } } } }`);
    expect(result.errors).toBeUndefined();
    const os = result.data?.operatingSystem;
    expect(os?.architectures.length).toBeGreaterThan(0);
    for (const image of os?.images.nodes ?? []) expect(image.operatingSystem.title).toBe(os?.title);
    const cr = result.data?.computeResource;
    for (const image of cr?.images.nodes ?? []) expect(image.computeResource.name).toBe(cr?.name);
  });

  it('image by an id issued before (with its compute resource) is one call there; by numeric id a fan-out', async () => {
    const [first] = (await restImages('/api/compute_resources/1/images')).results;
    if (!first) throw new Error('the demo seed has no image on compute resource 1');
    const legacyId = Buffer.from(`01:Image-${first.compute_resource_id}-${first.id}`).toString(
      'base64',
    );

    harness.resetCounts();
    const byGlobal = await harness.query<{
      image: { id: string; foremanId: number; name: string; uuid: string };
    }>(`{ image(id: "${legacyId}") { id foremanId name uuid } }`);
    expect(byGlobal.data?.image).toEqual({
      id: encodeImageId(first.id),
      foremanId: first.id,
      name: first.name,
      uuid: first.uuid,
    });
    expect(describeRequests(harness.upstream())).toEqual([
      `GET /api/compute_resources/${first.compute_resource_id}/images?page=1&per_page=1&search=id ^ (${first.id})`,
    ]);

    // A gateway that never saw the image looks for it under every architecture.
    const fresh = await startHarness();
    try {
      const byNumber = await fresh.query<{ image: { id: string } }>(
        `{ image(id: "${first.id}") { id } }`,
      );
      expect(byNumber.data?.image.id).toBe(encodeImageId(first.id));
      const requests = describeRequests(fresh.upstream());
      expect(requests[0]).toBe('GET /api/architectures?page=1&per_page=all');
      expect(
        requests
          .slice(1)
          .every((r) =>
            /^GET \/api\/architectures\/\d+\/images\?page=1&per_page=1&search=id \^ \(\d+\)$/.test(
              r,
            ),
          ),
      ).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('node resolves every type, images included', async () => {
    const [image] = (await restImages('/api/compute_resources/1/images')).results;
    if (!image) throw new Error('no image');
    const ids = [
      encodeImageId(image.id),
      encodeGlobalId('computeResource', 1),
      encodeGlobalId('architecture', 1),
      encodeGlobalId('operatingSystem', 1),
    ];
    for (const id of ids) {
      const result = await harness.query<{ node: { id: string } }>(
        'query($id: ID!) { node(id: $id) { id } }',
        {
          variables: { id },
        },
      );
      expect(result.data?.node.id).toBe(id);
    }
  });

  it('images under each kind of parent match Foreman, with totalCount = subtotal after search', async () => {
    const rest = await restImages(
      '/api/architectures/1/images',
      'per_page=5&order=id&search=name ~ a',
    );
    const result = await harness.query<{
      images: { totalCount: number; nodes: Array<{ foremanId: number }> };
    }>(
      '{ images(architectureId: "1", search: "name ~ a", first: 5) { totalCount nodes { foremanId } } }',
    );
    expect(result.data?.images.totalCount).toBe(rest.subtotal);
    expect(result.data?.images.nodes.map((n) => n.foremanId)).toEqual(
      rest.results.map((r) => r.id),
    );

    const byOs = await harness.query<{
      images: { nodes: Array<{ operatingSystem: { foremanId: number } }> };
    }>(
      `{ images(operatingSystemId: "${encodeGlobalId('operatingSystem', 1)}", first: 5) { nodes { operatingSystem { foremanId } } } }`,
    );
    expect(byOs.data?.images.nodes.every((n) => n.operatingSystem.foremanId === 1)).toBe(true);
  });

  it('last / before page backwards', async () => {
    const all = await harness.query<{
      images: { edges: Array<{ cursor: string; node: { foremanId: number } }> };
    }>('{ images(computeResourceId: "1", first: 12) { edges { cursor node { foremanId } } } }');
    const edges = all.data?.images.edges ?? [];
    const before = edges[10]?.cursor;
    const back = await harness.query<{
      images: { nodes: Array<{ foremanId: number }>; pageInfo: { hasPreviousPage: boolean } };
    }>(
      `{ images(computeResourceId: "1", last: 4, before: "${before}") { nodes { foremanId } pageInfo { hasPreviousPage } } }`,
    );
    expect(back.data?.images.nodes.map((n) => n.foremanId)).toEqual(
      edges.slice(6, 10).map((e) => e.node.foremanId),
    );
    expect(back.data?.images.pageInfo.hasPreviousPage).toBe(true);

    const tail = await harness.query<{
      images: {
        totalCount: number;
        nodes: Array<{ foremanId: number }>;
        pageInfo: { hasNextPage: boolean };
      };
    }>(
      '{ images(computeResourceId: "1", last: 3) { totalCount nodes { foremanId } pageInfo { hasNextPage } } }',
    );
    expect(tail.data?.images.nodes).toHaveLength(Math.min(3, tail.data?.images.totalCount ?? 0));
    expect(tail.data?.images.pageInfo.hasNextPage).toBe(false);
  });
});

describe('the query parameters the gateway sends', () => {
  it('are only page, per_page, search and order: never a *_id that would replace the parent', async () => {
    harness.resetCounts();
    await harness.query(`{
      images(first: 3) { nodes { name architecture { createdAt } operatingSystem { major } } }
      a: images(architectureId: "1", first: 2, search: "name ~ a") { totalCount }
      o: images(operatingSystemId: "1", last: 2) { totalCount }
      architecture(id: "1") { operatingSystems { name } }
      image(id: "12") { name } }`);
    const keys = new Set(harness.upstream().flatMap((r) => Object.keys(r.query)));
    expect(harness.upstream().length).toBeGreaterThan(10);
    expect([...keys].sort()).toEqual(['order', 'page', 'per_page', 'search']);
  });
});

describe('missing records, invalid searches and credentials', () => {
  it('a missing record is null with NOT_FOUND, and its siblings still resolve', async () => {
    const result = await harness.query<{ missing: null; present: { name: string } }>(
      '{ missing: architecture(id: "9999") { name } present: architecture(id: "1") { name } }',
    );
    expect(result.data?.missing).toBeNull();
    expect(result.data?.present.name).toMatch(/\S/);
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['missing'],
        extensions: expect.objectContaining({ code: 'NOT_FOUND' }),
      }),
    ]);
  });

  it("an invalid search is Foreman's message with BAD_USER_INPUT, siblings intact", async () => {
    const result = await harness.query<{ bad: unknown; good: { totalCount: number } }>(
      '{ bad: images(computeResourceId: "1", search: "colour = blue") { totalCount } good: architectures { totalCount } }',
    );
    expect(result.data?.bad).toBeNull();
    expect(result.data?.good.totalCount).toBeGreaterThan(0);
    expect(result.errors?.[0]).toMatchObject({
      path: ['bad'],
      message: "Field 'colour' not recognized for searching!",
      extensions: { code: 'BAD_USER_INPUT', upstreamStatus: 400 },
    });
  });

  it('a parent that does not exist is NOT_FOUND', async () => {
    const result = await harness.query('{ images(computeResourceId: "9999") { totalCount } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('no Authorization header: UNAUTHENTICATED and nothing sent upstream', async () => {
    harness.resetCounts();
    const result = await harness.query('{ architectures { totalCount } }', { as: null });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(harness.upstream()).toHaveLength(0);
  });

  it('wrong password: UNAUTHENTICATED from Foreman', async () => {
    const result = await harness.query('{ architectures { totalCount } }', {
      as: `Basic ${Buffer.from('admin:wrong').toString('base64')}`,
    });
    expect(result.errors?.[0]).toMatchObject({
      message: 'Unable to authenticate user admin',
      extensions: { code: 'UNAUTHENTICATED', upstreamStatus: 401 },
    });
  });

  it("forwards each caller's credentials: the viewer sees fewer compute resources", async () => {
    const query = '{ computeResources { totalCount } }';
    const admin = await harness.query<{ computeResources: { totalCount: number } }>(query);
    const viewer = await harness.query<{ computeResources: { totalCount: number } }>(query, {
      as: DEMO_VIEWER,
    });
    expect(viewer.data?.computeResources.totalCount).toBeGreaterThan(0);
    expect(viewer.data?.computeResources.totalCount).toBeLessThan(
      admin.data?.computeResources.totalCount ?? 0,
    );
  });

  it("timestamps in the viewer's time zone come out as the same UTC instants", async () => {
    const query = '{ architecture(id: "1") { createdAt updatedAt } }';
    const admin = await harness.query(query);
    const viewer = await harness.query(query, { as: DEMO_VIEWER });
    expect(viewer.data).toEqual(admin.data);
  });
});
