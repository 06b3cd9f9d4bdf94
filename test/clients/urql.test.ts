import { Client, fetchExchange, gql, type TypedDocumentNode } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import {
  imageGlobalId,
  introspection,
  legacyImageId,
  recordingFetch,
  storeImageIds,
} from './helpers.js';

/**
 * urql 6 with graphcache against the gateway over real HTTP: schema-aware (the introspection of
 * schema.graphql), `relayPagination()` on a compute resource's images, and urql's default of
 * sending queries as GET, which needs the CSRF header the README names.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterEach(() => harness.demo.resetData());

afterAll(() => harness.close());

const schema = introspection();

function urql(options: { csrfHeader?: boolean } = {}) {
  const { fetch, sent } = recordingFetch(DEMO_ADMIN);
  const cache = cacheExchange({
    schema,
    resolvers: { ComputeResource: { images: relayPagination() } },
  });
  const client = new Client({
    url: `${harness.url}/graphql`,
    exchanges: [cache, fetchExchange],
    fetch,
    // urql sends queries as GET while the URL is short; the gateway's CSRF check wants a header.
    ...(options.csrfHeader === false
      ? {}
      : { fetchOptions: { headers: { 'x-graphql-yoga-csrf': 'urql' } } }),
  });
  return { client, sent };
}

interface ImagesData {
  computeResource: {
    __typename: 'ComputeResource';
    id: string;
    images: {
      totalCount: number;
      edges: Array<{ cursor: string; node: { id: string; foremanId: number; name: string } }>;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    } | null;
  } | null;
}

interface ImagesVariables {
  id: string;
  first?: number;
  after?: string | null;
  last?: number;
  before?: string | null;
}

const IMAGES: TypedDocumentNode<ImagesData, ImagesVariables> = gql`
  query ComputeResourceImages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    computeResource(id: $id) {
      id
      images(first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges {
          cursor
          node {
            id
            foremanId
            name
          }
        }
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
      }
    }
  }
`;

interface ImageData {
  image: {
    id: string;
    foremanId: number;
    computeResource: { id: string; foremanId: number; name: string } | null;
  } | null;
}

const IMAGE: TypedDocumentNode<ImageData, { id: string }> = gql`
  query ImageCard($id: ID!) {
    image(id: $id) {
      id
      foremanId
      computeResource {
        id
        foremanId
        name
      }
    }
  }
`;

const MOVE: TypedDocumentNode<
  { updateImage: { image: ImageData['image']; errors: Array<{ message: string }> } | null },
  { id: string; computeResourceId: string }
> = gql`
  mutation MoveImage($id: ID!, $computeResourceId: ID!) {
    updateImage(input: { id: $id, computeResourceId: $computeResourceId }) {
      image {
        id
        foremanId
        computeResource {
          id
          foremanId
          name
        }
      }
      errors {
        __typename
        message
      }
    }
  }
`;

const foremanIds = (data: ImagesData | undefined) =>
  data?.computeResource?.images?.edges.map((edge) => edge.node.foremanId) ?? [];

describe('paging through a compute resource with graphcache relayPagination', () => {
  it('forward with first/after: the merged list has every image once, in order', async () => {
    const expected = storeImageIds(harness.demo, 2);
    const { client, sent } = urql();
    let result = await client.query(IMAGES, { id: '2', first: 50 }).toPromise();
    expect(result.error).toBeUndefined();
    while (result.data?.computeResource?.images?.pageInfo.hasNextPage) {
      const after = result.data.computeResource.images.pageInfo.endCursor;
      result = await client.query(IMAGES, { id: '2', first: 50, after }).toPromise();
      expect(result.error).toBeUndefined();
    }
    expect(foremanIds(result.data)).toEqual(expected);
    expect(result.data?.computeResource?.images?.totalCount).toBe(300);
    expect(sent).toHaveLength(6);
    // GET, as urql prefers for queries, carrying the CSRF header.
    expect(sent.every((request) => request.method === 'GET')).toBe(true);
  });

  it('backward with last/before: the merged list has every image once, in order', async () => {
    const expected = storeImageIds(harness.demo, 2);
    const { client, sent } = urql();
    let result = await client.query(IMAGES, { id: '2', last: 50 }).toPromise();
    expect(foremanIds(result.data)).toEqual(expected.slice(-50));
    while (result.data?.computeResource?.images?.pageInfo.hasPreviousPage) {
      const before = result.data.computeResource.images.pageInfo.startCursor;
      result = await client.query(IMAGES, { id: '2', last: 50, before }).toPromise();
      expect(result.error).toBeUndefined();
    }
    expect(foremanIds(result.data)).toEqual(expected);
    expect(result.data?.computeResource?.images?.pageInfo).toMatchObject({
      hasNextPage: false,
      hasPreviousPage: false,
    });
    expect(sent).toHaveLength(6);
  });

  it("without the CSRF header urql's GET is refused, as the README says (403, BAD_REQUEST)", async () => {
    const { client } = urql({ csrfHeader: false });
    const result = await client.query(IMAGES, { id: '2', first: 1 }).toPromise();
    expect(result.data).toBeUndefined();
    expect(result.error?.response?.status).toBe(403);
    expect(result.error?.graphQLErrors[0]?.extensions.code).toBe('BAD_REQUEST');
  });
});

describe('deletes before the cursor, then paging on', () => {
  it("rows deleted behind the gateway's back, the cursor's own row included: nothing skipped or repeated", async () => {
    const original = storeImageIds(harness.demo, 2);
    const { client } = urql();
    const page1 = await client.query(IMAGES, { id: '2', first: 50 }).toPromise();
    expect(foremanIds(page1.data)).toEqual(original.slice(0, 50));
    harness.demo.foremanUi.deleteImage(original[0] as number);
    harness.demo.foremanUi.deleteImage(original[49] as number);
    const after = page1.data?.computeResource?.images?.pageInfo.endCursor;
    const page2 = await client
      .query(IMAGES, { id: '2', first: 50, after }, { requestPolicy: 'network-only' })
      .toPromise();
    // The cache still shows page 1 as read; page 2 is exactly the 50 rows that followed it.
    expect(foremanIds(page2.data)).toEqual(original.slice(0, 100));
    expect(page2.data?.computeResource?.images?.totalCount).toBe(298);
  });
});

describe('a moved image keeps its id', () => {
  it('the cached entity follows the move; the id as issued, and its older form, resolve', async () => {
    const { client, sent } = urql();
    const moving = storeImageIds(harness.demo, 1)[0] as number;
    const issued = imageGlobalId(moving);
    const before = await client.query(IMAGE, { id: issued }).toPromise();
    expect(before.data?.image).toMatchObject({ id: issued, computeResource: { foremanId: 1 } });

    const moved = await client.mutation(MOVE, { id: issued, computeResourceId: '7' }).toPromise();
    expect(moved.data?.updateImage).toMatchObject({ image: { id: issued }, errors: [] });
    // The same query, answered by the cache: the entity of that id now names compute resource 7.
    const cached = await client
      .query(IMAGE, { id: issued }, { requestPolicy: 'cache-only' })
      .toPromise();
    expect(cached.data?.image?.computeResource).toMatchObject({ foremanId: 7, name: 'kvm-empty' });
    expect(sent).toHaveLength(2);

    const legacy = await client
      .query(IMAGE, { id: legacyImageId(1, moving) }, { requestPolicy: 'network-only' })
      .toPromise();
    expect(legacy.data?.image).toMatchObject({ id: issued, computeResource: { foremanId: 7 } });
    const fresh = await client
      .query(IMAGE, { id: issued }, { requestPolicy: 'network-only' })
      .toPromise();
    expect(fresh.data?.image).toMatchObject({ id: issued, computeResource: { foremanId: 7 } });
  });
});
