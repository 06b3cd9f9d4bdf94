import {
  ApolloClient,
  CombinedGraphQLErrors,
  gql,
  HttpLink,
  InMemoryCache,
  NetworkStatus,
  type ObservableQuery,
  type OperationVariables,
  type TypedDocumentNode,
} from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER, type DemoUser } from '../../src/demo/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import {
  imageGlobalId,
  legacyImageId,
  newImageInput,
  possibleTypes,
  recordingFetch,
  storeImageIds,
} from './helpers.js';

/**
 * Apollo Client 4 (core, no React) against the gateway over real HTTP, configured as a frontend
 * would: `possibleTypes` from possible-types.json, `relayStylePagination()` on the image lists,
 * and a cache redirect from `image(id:)` to the normalized entry.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterEach(() => harness.demo.resetData());

afterAll(() => harness.close());

function apollo(user: DemoUser = DEMO_ADMIN) {
  const { fetch, sent } = recordingFetch(user);
  const cache = new InMemoryCache({
    possibleTypes,
    typePolicies: {
      Query: {
        fields: {
          // One cached list per parent, search and order; pages of it are merged by cursor.
          images: relayStylePagination([
            'computeResourceId',
            'operatingSystemId',
            'architectureId',
            'search',
            'order',
          ]),
          image: {
            // The image of an id is the normalized entry of that id: no round trip when cached.
            read: (existing, { args, toReference }) =>
              existing ?? toReference({ __typename: 'Image', id: args?.id as string }),
          },
        },
      },
    },
  });
  const client = new ApolloClient({
    link: new HttpLink({ uri: `${harness.url}/graphql`, fetch }),
    cache,
  });
  return { client, cache, sent };
}

interface ImageNode {
  __typename: 'Image';
  id: string;
  foremanId: number;
  name: string;
}

interface ImagesPage {
  images: {
    totalCount: number;
    edges: Array<{ cursor: string; node: ImageNode }>;
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  };
}

interface ImagesVariables {
  computeResourceId: string;
  first?: number;
  after?: string | null;
  last?: number;
  before?: string | null;
}

const IMAGES: TypedDocumentNode<ImagesPage, ImagesVariables> = gql`
  query ComputeResourceImages(
    $computeResourceId: ID!
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    images(
      computeResourceId: $computeResourceId
      first: $first
      after: $after
      last: $last
      before: $before
    ) {
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
`;

interface ImageCard {
  image: {
    __typename: 'Image';
    id: string;
    foremanId: number;
    name: string;
    uuid: string;
    computeResource: { __typename: 'ComputeResource'; id: string; foremanId: number; name: string };
  } | null;
}

const IMAGE: TypedDocumentNode<ImageCard, { id: string }> = gql`
  query ImageCard($id: ID!) {
    image(id: $id) {
      id
      foremanId
      name
      uuid
      computeResource {
        id
        foremanId
        name
      }
    }
  }
`;

// Errors are selected through a fragment on the MutationError interface: Apollo can only tell
// that InputValidationError and NotFoundError match it from possibleTypes. Without them Apollo 4
// warns "Cannot match fragment FormError on MutationError" and the payload comes back without
// `message`, `path` and `id` (seen here: the form-errors test fails).
const MUTATION_ERROR = gql`
  fragment FormError on MutationError {
    __typename
    message
    ... on InputValidationError {
      path
    }
    ... on NotFoundError {
      id
    }
  }
`;

interface FormError {
  __typename: 'InputValidationError' | 'NotFoundError';
  message: string;
  path?: string[] | null;
  id?: string;
}

interface Payload {
  image: ImageCard['image'];
  errors: FormError[];
}

const CREATE: TypedDocumentNode<{ createImage: Payload | null }, { input: object }> = gql`
  mutation CreateImage($input: CreateImageInput!) {
    createImage(input: $input) {
      image {
        id
        foremanId
        name
        uuid
        computeResource {
          id
          foremanId
          name
        }
      }
      errors {
        ...FormError
      }
    }
  }
  ${MUTATION_ERROR}
`;

const UPDATE: TypedDocumentNode<{ updateImage: Payload | null }, { input: object }> = gql`
  mutation UpdateImage($input: UpdateImageInput!) {
    updateImage(input: $input) {
      image {
        id
        name
        computeResource {
          id
          foremanId
          name
        }
      }
      errors {
        ...FormError
      }
    }
  }
  ${MUTATION_ERROR}
`;

const DELETE: TypedDocumentNode<
  { deleteImage: { deletedId: string | null; errors: FormError[] } | null },
  { input: { id: string } }
> = gql`
  mutation DeleteImage($input: DeleteImageInput!) {
    deleteImage(input: $input) {
      deletedId
      errors {
        ...FormError
      }
    }
  }
  ${MUTATION_ERROR}
`;

/** The first complete result of a watched query (Apollo 4's ObservableQuery is an Observable). */
function settled<T, V extends OperationVariables>(observable: ObservableQuery<T, V>) {
  return firstValueFrom(
    observable.pipe(filter((result) => result.networkStatus === NetworkStatus.ready)),
  );
}

/**
 * What a watched query shows once `action` has changed the cache: Apollo 4 delivers the new
 * result to watchers after `fetchMore` or `mutate` resolves, not before.
 */
async function changed<T, V extends OperationVariables>(
  observable: ObservableQuery<T, V>,
  action: () => Promise<unknown>,
) {
  const before = observable.getCurrentResult().data;
  const next = firstValueFrom(
    observable.pipe(
      filter((result) => result.networkStatus === NetworkStatus.ready && result.data !== before),
    ),
  );
  await action();
  return (await next).data as T;
}

/** Watches a query for the length of a test, as a mounted component would. */
function watch<T, V extends OperationVariables>(
  client: ApolloClient,
  query: TypedDocumentNode<T, V>,
  variables: NoInfer<V>,
) {
  const observable = client.watchQuery({ query, variables } as ApolloClient.WatchQueryOptions<
    T,
    V
  >);
  const subscription = observable.subscribe({});
  return { observable, stop: () => subscription.unsubscribe() };
}

const foremanIds = (page: ImagesPage | undefined) =>
  page?.images.edges.map((edge) => edge.node.foremanId) ?? [];

describe('paging through a compute resource with relayStylePagination and fetchMore', () => {
  it('forward with first/after, every image once and in order', async () => {
    const expected = storeImageIds(harness.demo, 2);
    expect(expected).toHaveLength(300);
    const { client, sent } = apollo();
    const { observable, stop } = watch(client, IMAGES, { computeResourceId: '2', first: 50 });
    await settled(observable);
    let page = observable.getCurrentResult().data as ImagesPage;
    while (page.images.pageInfo.hasNextPage) {
      const after = page.images.pageInfo.endCursor;
      let fetched: ImagesPage | undefined;
      page = await changed(observable, async () => {
        fetched = (await observable.fetchMore({ variables: { after } })).data as ImagesPage;
      });
      // Each page starts right after the one before: the cursor is the last row's id.
      expect(foremanIds(fetched)).toEqual(
        expected.slice(foremanIds(page).length - 50, foremanIds(page).length),
      );
    }
    stop();
    expect(foremanIds(page)).toEqual(expected);
    expect(page.images.totalCount).toBe(300);
    expect(page.images.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(sent).toHaveLength(6);
  });

  it('backward with last/before, every image once and in order', async () => {
    const expected = storeImageIds(harness.demo, 2);
    // A new client: with the list's key arguments alike, a cached forward list would answer.
    const { client, sent } = apollo();
    const { observable, stop } = watch(client, IMAGES, { computeResourceId: '2', last: 50 });
    await settled(observable);
    let page = observable.getCurrentResult().data as ImagesPage;
    expect(foremanIds(page)).toEqual(expected.slice(-50));
    expect(page.images.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    while (page.images.pageInfo.hasPreviousPage) {
      const before = page.images.pageInfo.startCursor;
      page = await changed(observable, () => observable.fetchMore({ variables: { before } }));
    }
    stop();
    expect(foremanIds(page)).toEqual(expected);
    expect(page.images.totalCount).toBe(300);
    expect(sent).toHaveLength(6);
  });
});

describe('the mutation round trip, with the normalized cache', () => {
  it('create, update (the cached entry changes without a refetch), delete (evicted by deletedId)', async () => {
    const { client, cache, sent } = apollo();
    const created = await client.mutate({
      mutation: CREATE,
      variables: { input: newImageInput('1', 'apollo-round-trip') },
    });
    const image = created.data?.createImage?.image;
    expect(created.data?.createImage?.errors).toEqual([]);
    if (!image) throw new Error('createImage returned no image');
    expect(image.id).toBe(imageGlobalId(image.foremanId));
    expect(harness.demo.store.image(image.foremanId)?.name).toBe('apollo-round-trip');
    const entry = cache.identify(image);
    expect(cache.extract()[entry as string]).toMatchObject({ name: 'apollo-round-trip' });

    // A detail view of the new image is served from the entry the mutation wrote.
    const card = watch(client, IMAGE, { id: image.id });
    expect((await settled(card.observable)).data?.image?.name).toBe('apollo-round-trip');
    expect(sent).toHaveLength(1);

    const shown = await changed(card.observable, async () => {
      const updated = await client.mutate({
        mutation: UPDATE,
        variables: { input: { id: image.id, name: 'apollo-round-trip-v2' } },
      });
      expect(updated.data?.updateImage).toMatchObject({ image: { id: image.id }, errors: [] });
    });
    // The watched view reads the new name from the cache: only the mutation went out.
    expect(shown?.image).toMatchObject({
      id: image.id,
      name: 'apollo-round-trip-v2',
      uuid: image.uuid,
    });
    expect(sent).toHaveLength(2);
    card.stop();

    const deleted = await client.mutate({
      mutation: DELETE,
      variables: { input: { id: image.id } },
      update(store, { data }) {
        const id = data?.deleteImage?.deletedId;
        if (id) store.evict({ id: store.identify({ __typename: 'Image', id }) });
        store.gc();
      },
    });
    expect(deleted.data?.deleteImage).toEqual({
      __typename: 'DeleteImagePayload',
      deletedId: image.id,
      errors: [],
    });
    expect(cache.extract()[entry as string]).toBeUndefined();
    expect(harness.demo.store.image(image.foremanId)).toBeUndefined();
  });

  it('errors a form can show come back as data, matched through the MutationError fragment', async () => {
    const { client } = apollo();
    const result = await client.mutate({
      mutation: CREATE,
      variables: { input: { ...newImageInput('1', 'x'), name: '   ', uuid: '' } },
    });
    expect(result.error).toBeUndefined();
    expect(result.data?.createImage).toEqual({
      __typename: 'CreateImagePayload',
      image: null,
      errors: [
        {
          __typename: 'InputValidationError',
          message: expect.any(String),
          path: ['input', 'name'],
        },
        {
          __typename: 'InputValidationError',
          message: expect.any(String),
          path: ['input', 'uuid'],
        },
      ],
    });
    const missing = await client.mutate({
      mutation: UPDATE,
      variables: { input: { id: imageGlobalId(987_654), name: 'nobody' } },
    });
    expect(missing.data?.updateImage).toEqual({
      __typename: 'UpdateImagePayload',
      image: null,
      errors: [
        { __typename: 'NotFoundError', message: expect.any(String), id: imageGlobalId(987_654) },
      ],
    });
  });

  it('a refused mutation (the viewer may not write) is data.createImage === null with FORBIDDEN', async () => {
    const { client } = apollo(DEMO_VIEWER);
    const before = harness.demo.store.images.length;
    const result = await client.mutate({
      mutation: CREATE,
      variables: { input: newImageInput('1', 'viewer-may-not') },
      errorPolicy: 'all',
    });
    // Not a blanked response: the payload field is there, null, beside the error.
    expect(result.data).toEqual({ createImage: null });
    expect(CombinedGraphQLErrors.is(result.error)).toBe(true);
    const errors = CombinedGraphQLErrors.is(result.error) ? result.error.errors : [];
    expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['createImage'], 'FORBIDDEN'],
    ]);
    expect(harness.demo.store.images.length).toBe(before);

    // With the default errorPolicy the promise rejects, and the error still carries the data.
    const rejected = await client
      .mutate({ mutation: CREATE, variables: { input: newImageInput('1', 'viewer-may-not') } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(CombinedGraphQLErrors.is(rejected)).toBe(true);
    expect(CombinedGraphQLErrors.is(rejected) && rejected.data).toEqual({ createImage: null });
  });
});

describe('a delete before the cursor, then paging on', () => {
  it('deleted through the gateway (evicted) or behind its back: no row skipped or repeated', async () => {
    const original = storeImageIds(harness.demo, 2);
    const { client } = apollo();
    const { observable, stop } = watch(client, IMAGES, { computeResourceId: '2', first: 50 });
    await settled(observable);
    const page1 = observable.getCurrentResult().data as ImagesPage;
    expect(foremanIds(page1)).toEqual(original.slice(0, 50));

    // The tenth row of page 1, through the gateway; the cache drops it by the returned id.
    const doomed = page1.images.edges[9]?.node as ImageNode;
    const shown = await changed(observable, () =>
      client.mutate({
        mutation: DELETE,
        variables: { input: { id: doomed.id } },
        update(store, { data }) {
          const id = data?.deleteImage?.deletedId;
          if (id) store.evict({ id: store.identify({ __typename: 'Image', id }) });
          store.gc();
        },
      }),
    );
    // relayStylePagination skips edges whose node was evicted.
    expect(foremanIds(shown)).toEqual(
      original.slice(0, 50).filter((id) => id !== doomed.foremanId),
    );

    const page2 = await changed(observable, () =>
      observable.fetchMore({ variables: { after: page1.images.pageInfo.endCursor } }),
    );
    expect(foremanIds(page2).slice(-50)).toEqual(original.slice(50, 100));

    // Behind the gateway's back (Foreman's UI): a row of page 1 and the last row of page 2,
    // the one the next page starts after.
    harness.demo.foremanUi.deleteImage(original[3] as number);
    harness.demo.foremanUi.deleteImage(original[99] as number);
    const page3 = await changed(observable, () =>
      observable.fetchMore({ variables: { after: page2.images.pageInfo.endCursor } }),
    );
    stop();
    expect(foremanIds(page3).slice(-50)).toEqual(original.slice(100, 150));
    // Everything read, against the database now: the cache still holds the two rows deleted
    // behind its back, and nothing else differs.
    const now = storeImageIds(harness.demo, 2);
    expect(foremanIds(page3).filter((id) => now.includes(id))).toEqual(now.slice(0, 147));
    expect(new Set(foremanIds(page3)).size).toBe(foremanIds(page3).length);
    expect(page3.images.totalCount).toBe(297);
  });
});

describe('a moved image keeps its id', () => {
  it('the cached entry follows the move to another compute resource; the id as issued resolves', async () => {
    const { client, cache, sent } = apollo();
    const moving = storeImageIds(harness.demo, 1)[0] as number;
    const issued = imageGlobalId(moving);
    const card = watch(client, IMAGE, { id: issued });
    const before = (await settled(card.observable)).data?.image;
    expect(before).toMatchObject({ id: issued, computeResource: { foremanId: 1 } });
    expect(sent).toHaveLength(1);

    // kvm-empty (7) is Libvirt too, so the same template path is valid there.
    const shown = await changed(card.observable, async () => {
      const moved = await client.mutate({
        mutation: UPDATE,
        variables: { input: { id: issued, computeResourceId: '7' } },
      });
      expect(moved.data?.updateImage?.errors).toEqual([]);
      expect(moved.data?.updateImage?.image?.id).toBe(issued);
    });
    expect(shown?.image?.computeResource).toMatchObject({
      foremanId: 7,
      name: 'kvm-empty',
    });
    expect(sent).toHaveLength(2);
    card.stop();

    // The id as issued, asked again of the gateway (not the cache), and the older form.
    const fresh = await client.query({
      query: IMAGE,
      variables: { id: issued },
      fetchPolicy: 'network-only',
    });
    expect(fresh.data?.image).toMatchObject({ id: issued, computeResource: { foremanId: 7 } });
    const legacy = await client.query({
      query: IMAGE,
      variables: { id: legacyImageId(1, moving) },
      fetchPolicy: 'network-only',
    });
    expect(legacy.data?.image).toMatchObject({ id: issued, computeResource: { foremanId: 7 } });
    const listed = await client.query({
      query: IMAGES,
      variables: { computeResourceId: '7', first: 10 },
      fetchPolicy: 'network-only',
    });
    expect(listed.data?.images.edges.map((edge) => edge.node.id)).toEqual([issued]);
    // Every answer landed on the one normalized entry.
    const entries = Object.keys(cache.extract()).filter((key) => key.startsWith('Image:'));
    expect(entries).toEqual([`Image:${issued}`]);
    expect(harness.demo.store.image(moving)?.computeResourceId).toBe(7);
  });
});
