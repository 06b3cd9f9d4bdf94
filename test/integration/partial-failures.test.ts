import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId, encodeImageId } from '../../src/schema/ids.js';
import { describeRequests, type Harness, startHarness } from '../helpers/harness.js';

/**
 * One failing upstream route fails only what it holds: batched lookups are split per compute
 * resource, per architecture and per chunk, and a key fails only with its own part. Ids Foreman
 * cannot hold are refused before any batch sees them.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterEach(() => harness.demo.clearFaults());

afterAll(() => harness.close());

/** An image id in the form issued before ids were stable: it names the compute resource. */
function legacyImageId(computeResourceId: number, imageId: number): string {
  return Buffer.from(`01:Image-${computeResourceId}-${imageId}`).toString('base64');
}

function imageOf(computeResourceId: number) {
  const image = harness.demo.store.images.find((i) => i.computeResourceId === computeResourceId);
  if (!image) throw new Error(`no image in compute resource ${computeResourceId}`);
  return image;
}

describe('a failing batch part fails only its own keys', () => {
  it("a 500 on compute resource 3's images leaves an image of compute resource 1 intact", async () => {
    const one = imageOf(1);
    const three = imageOf(3);
    harness.demo.injectFault({
      path: '/api/compute_resources/3/images',
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    const result = await harness.query<{ a: { name: string } | null; b: unknown }>(`{
      a: image(id: "${legacyImageId(1, one.id)}") { name }
      b: image(id: "${legacyImageId(3, three.id)}") { name }
    }`);
    expect(result.data?.a).toEqual({ name: one.name });
    expect(result.data?.b).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['b'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR' }),
      }),
    ]);
  });

  it("a 500 on an architecture's images that holds none of the keys fails none of them", async () => {
    // Architecture 5 holds no image of compute resources 1 and 2.
    const wanted = [imageOf(1), imageOf(2)];
    expect(wanted.every((image) => image.architectureId !== 5)).toBe(true);
    harness.demo.injectFault({
      path: '/api/architectures/5/images',
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    const representations = wanted.map((image) => ({ __typename: 'Image', foremanId: image.id }));
    const result = await harness.query<{ _entities: Array<{ name: string } | null> }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Image { name } } }',
      { variables: { r: representations } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual(wanted.map((image) => ({ name: image.name })));
  });

  it('an image that only the failing architecture could hold carries its error', async () => {
    const missing = 999_999;
    harness.demo.injectFault({
      path: '/api/architectures/5/images',
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    const result = await harness.query(`{ image(id: "${missing}") { name } }`);
    expect(result.data?.image).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
  });
});

describe("ids beyond Foreman's 32-bit range never reach a batch", () => {
  const huge = '99999999999';

  it('as arguments they are BAD_USER_INPUT, with no upstream request', async () => {
    harness.resetCounts();
    const result = await harness.query(`{
      a: architecture(id: "${huge}") { name }
      b: image(id: "${encodeImageId(99_999_999_999)}") { name }
      c: images(computeResourceId: "${huge}") { totalCount }
    }`);
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
    ]);
    expect(result.errors?.[0]?.message).toContain("beyond Foreman's id range");
    expect(harness.upstream()).toEqual([]);
  });

  it('as representations they are NOT_FOUND, and the rest of the batch resolves', async () => {
    const image = imageOf(1);
    harness.resetCounts();
    const result = await harness.query<{ _entities: Array<{ name?: string } | null> }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Image { name } ... on Architecture { name } } }',
      {
        variables: {
          r: [
            { __typename: 'Image', foremanId: 99_999_999_999 },
            { __typename: 'Image', foremanId: image.id },
            { __typename: 'Architecture', foremanId: 99_999_999_999 },
            { __typename: 'Architecture', foremanId: 1 },
          ],
        },
      },
    );
    expect(result.data?._entities).toEqual([null, { name: image.name }, null, { name: 'x86_64' }]);
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0], 'NOT_FOUND'],
      [['_entities', 2], 'NOT_FOUND'],
    ]);
    const searches = harness.upstream().map((r) => r.query.search ?? '');
    expect(searches.join(' ')).not.toContain('99999999999');
  });
});

describe('one bad input among many fails only itself', () => {
  it('a malformed or out-of-range id in nodes(ids:) is null with its error at its index', async () => {
    harness.resetCounts();
    const result = await harness.query<{ nodes: Array<{ name?: string } | null> }>(`{
      nodes(ids: ["${encodeGlobalId('architecture', 1)}", "garbage", "${encodeGlobalId('architecture', 99_999_999_999)}", "${encodeGlobalId('architecture', 2)}"]) {
        ... on Architecture { name }
      }
    }`);
    expect(result.data?.nodes).toEqual([{ name: 'x86_64' }, null, null, { name: 'i386' }]);
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['nodes', 1], 'BAD_USER_INPUT'],
      [['nodes', 2], 'BAD_USER_INPUT'],
    ]);
    expect(result.errors?.[0]?.message).toBe(
      'Argument "ids[1]" is not a valid global id: "garbage"',
    );
    // The good ids, in one batch; the bad ones never reach Foreman.
    expect(describeRequests(harness.upstream())).toEqual([
      'GET /api/architectures?page=1&per_page=2&search=id ^ (1,2)',
    ]);
  });

  it('a representation of a type that is no entity is BAD_USER_INPUT for that entity only', async () => {
    harness.resetCounts();
    const result = await harness.query<{ _entities: Array<{ name?: string } | null> }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Architecture { name } } }',
      {
        variables: {
          r: [
            { __typename: 'Query' },
            { __typename: 'Architecture', foremanId: 1 },
            { __typename: 'NoSuchType', id: '1' },
            { __typename: 'Node', id: encodeGlobalId('architecture', 2) },
            { foremanId: 3 },
            { __typename: 'Architecture', id: encodeGlobalId('architecture', 2) },
          ],
        },
      },
    );
    expect(result.data?._entities).toEqual([
      null,
      { name: 'x86_64' },
      null,
      null,
      null,
      { name: 'i386' },
    ]);
    expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0], 'BAD_USER_INPUT'],
      [['_entities', 2], 'BAD_USER_INPUT'],
      [['_entities', 3], 'BAD_USER_INPUT'],
      [['_entities', 4], 'BAD_USER_INPUT'],
    ]);
    expect(result.errors?.[0]?.message).toBe(
      'Representation 0 names "Query", which is not an entity type here (Architecture, ComputeResource, Image, OperatingSystem)',
    );
    expect(result.errors?.[3]?.message).toContain('Representation 4 names no __typename');
    expect(describeRequests(harness.upstream())).toEqual([
      'GET /api/architectures?page=1&per_page=2&search=id ^ (1,2)',
    ]);
  });
});

describe('a field error points at its field', () => {
  it('with its path and its line and column in the document, for every kind of error', async () => {
    harness.demo.injectFault({ method: 'GET', path: /^\/api\/operatingsystems/, status: 500 });
    const result = await harness.query(`{
  missing: architecture(id: "999") { name }
  nodes(ids: ["${encodeImageId(imageOf(1).id)}", "${encodeImageId(999_999)}"]) { id }
  operatingSystem(id: "1") { name }
}`);
    const where = (result.errors ?? []).map((error) => ({
      code: error.extensions?.code,
      path: error.path,
      locations: error.locations,
    }));
    expect(where).toEqual(
      expect.arrayContaining([
        { code: 'NOT_FOUND', path: ['missing'], locations: [{ line: 2, column: 3 }] },
        { code: 'NOT_FOUND', path: ['nodes', 1], locations: [{ line: 3, column: 3 }] },
        { code: 'UPSTREAM_ERROR', path: ['operatingSystem'], locations: [{ line: 4, column: 3 }] },
      ]),
    );
    expect(where).toHaveLength(3);
  });
});

describe('a related record that cannot be read', () => {
  it('keeps what the image row says of it; only the fields that need the record fail', async () => {
    harness.demo.injectFault({ method: 'GET', path: /^\/api\/operatingsystems/, status: 500 });
    harness.resetCounts();
    const result = await harness.query<{
      images: { nodes: Array<{ operatingSystem: { title: string; major: string | null } }> };
    }>(`{ images(computeResourceId: "1", first: 2) {
      nodes { operatingSystem { title major } } } }`);
    const nodes = result.data?.images.nodes ?? [];
    expect(nodes).toHaveLength(2);
    for (const node of nodes) {
      expect(node.operatingSystem.title).toEqual(expect.any(String));
      expect(node.operatingSystem.major).toBeNull();
    }
    expect(result.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['UPSTREAM_ERROR', ['images', 'nodes', 0, 'operatingSystem', 'major']],
      ['UPSTREAM_ERROR', ['images', 'nodes', 1, 'operatingSystem', 'major']],
    ]);
    // One failed batch for both, not one per field.
    expect(
      harness.upstream().filter((r) => r.path.startsWith('/api/operatingsystems')),
    ).toHaveLength(1);
  });
});
