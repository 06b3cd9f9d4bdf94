import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type ConcreteRequest,
  ConnectionHandler,
  commitMutation,
  createOperationDescriptor,
  Environment,
  type FetchFunction,
  fetchQuery,
  getSelector,
  type MutationParameters,
  Network,
  type OperationType,
  RecordSource,
  Store,
  type VariablesOf,
} from 'relay-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { imageGlobalId, legacyImageId, recordingFetch, storeImageIds } from './helpers.js';
import ImagesFragment, {
  type documents_images$data,
} from './relay/__generated__/documents_images.graphql.js';
import ComputeResourceQuery, {
  type documentsComputeResourceQuery,
} from './relay/__generated__/documentsComputeResourceQuery.graphql.js';
import DeleteImageMutation, {
  type documentsDeleteImageMutation,
} from './relay/__generated__/documentsDeleteImageMutation.graphql.js';
import ImageQuery, {
  type documentsImageQuery,
} from './relay/__generated__/documentsImageQuery.graphql.js';
import PaginationQuery, {
  type documentsImagesPaginationQuery,
} from './relay/__generated__/documentsImagesPaginationQuery.graphql.js';
import UpdateImageMutation, {
  type documentsUpdateImageMutation,
} from './relay/__generated__/documentsUpdateImageMutation.graphql.js';

/**
 * relay-runtime 21 (no React) against the gateway over real HTTP, with artifacts relay-compiler
 * 21 made from test/clients/relay/documents.ts and schema.graphql. The steps are the ones
 * `usePaginationFragment` takes: the query, then the fragment's refetch query with
 * `first/after` or `last/before`, merged by Relay's connection handler into one connection.
 */

const RELAY_DIR = fileURLToPath(new URL('relay/', import.meta.url));

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterEach(() => harness.demo.resetData());

afterAll(() => harness.close());

function relay() {
  const { fetch, sent } = recordingFetch(DEMO_ADMIN);
  const fetchFunction: FetchFunction = async (params, variables) => {
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: params.text, operationName: params.name, variables }),
    });
    return response.json();
  };
  const environment = new Environment({
    network: Network.create(fetchFunction),
    store: new Store(new RecordSource()),
  });
  return { environment, sent };
}

/** Fetches a query and keeps its data in the store, as a mounted component would. */
async function load<T extends OperationType>(
  environment: Environment,
  query: ConcreteRequest,
  variables: VariablesOf<T>,
): Promise<T['response']> {
  environment.retain(createOperationDescriptor(query, variables));
  const data = await fetchQuery<T>(environment, query, variables).toPromise();
  if (!data) throw new Error(`${query.params.name} returned no data`);
  return data;
}

function mutate<T extends MutationParameters>(
  environment: Environment,
  mutation: ConcreteRequest,
  variables: VariablesOf<T>,
): Promise<T['response']> {
  return new Promise((resolve, reject) => {
    commitMutation<T>(environment, {
      mutation,
      variables,
      onCompleted: (response, errors) =>
        errors?.length ? reject(new Error(errors[0]?.message)) : resolve(response),
      onError: reject,
    });
  });
}

/** The connection as the fragment reads it from the store now. */
function readImages(environment: Environment, ref: unknown): documents_images$data['images'] {
  const selector = getSelector(ImagesFragment, ref);
  if (selector.kind !== 'SingularReaderSelector') throw new Error('expected one compute resource');
  return (environment.lookup(selector).data as documents_images$data | null)?.images;
}

const foremanIds = (images: documents_images$data['images']) =>
  images?.edges.map((edge) => edge.node.foremanId) ?? [];

/** The compute resource's global id, as the gateway issues it. */
async function computeResourceRef(
  environment: Environment,
  variables: { first?: number; last?: number },
) {
  const data = await load<documentsComputeResourceQuery>(environment, ComputeResourceQuery, {
    id: '2',
    first: variables.first ?? null,
    last: variables.last ?? null,
  });
  if (!data.computeResource) throw new Error('compute resource 2 is missing');
  return data.computeResource;
}

describe('the artifacts match documents.ts and schema.graphql', () => {
  it('relay-compiler --validate finds nothing to regenerate', () => {
    const run = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.resolve('relay-compiler/cli.js')),
        '--validate',
        '--output',
        'quiet-with-errors',
      ],
      { cwd: RELAY_DIR, encoding: 'utf8' },
    );
    // Out of date: `npm run relay` regenerates them.
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('persisted-documents.json holds exactly the operations of the artifacts, by their ids', async () => {
    const generated = new URL('relay/__generated__/', import.meta.url);
    const manifest = JSON.parse(
      readFileSync(new URL('persisted-documents.json', generated), 'utf8'),
    ) as Record<string, string>;
    const operations: Record<string, string> = {};
    for (const file of readdirSync(generated).filter((name) =>
      /(Query|Mutation)\.graphql\.ts$/.test(name),
    )) {
      const artifact = (await import(new URL(file, generated).href)) as {
        default: ConcreteRequest;
      };
      const { id, text } = artifact.default.params;
      operations[id as string] = text as string;
    }
    expect(Object.keys(operations)).toHaveLength(5);
    expect(manifest).toEqual(operations);
  });
});

describe('paging through a compute resource with a pagination fragment', () => {
  it('forward with first/after: every image once and in order, in one connection', async () => {
    const expected = storeImageIds(harness.demo, 2);
    const { environment, sent } = relay();
    const resource = await computeResourceRef(environment, { first: 50 });
    let images = readImages(environment, resource);
    expect(foremanIds(images)).toEqual(expected.slice(0, 50));
    while (images?.pageInfo.hasNextPage) {
      await load<documentsImagesPaginationQuery>(environment, PaginationQuery, {
        id: resource.id,
        first: 50,
        after: images.pageInfo.endCursor ?? null,
        last: null,
        before: null,
      });
      images = readImages(environment, resource);
    }
    expect(foremanIds(images)).toEqual(expected);
    expect(images?.totalCount).toBe(300);
    expect(sent).toHaveLength(6);
    // The refetch query found the compute resource again through node(id:).
    expect(sent[1]?.body?.query).toContain('node(id: $id)');
  });

  it('backward with last/before: every image once and in order', async () => {
    const expected = storeImageIds(harness.demo, 2);
    const { environment, sent } = relay();
    const resource = await computeResourceRef(environment, { last: 50 });
    let images = readImages(environment, resource);
    expect(foremanIds(images)).toEqual(expected.slice(-50));
    while (images?.pageInfo.hasPreviousPage) {
      await load<documentsImagesPaginationQuery>(environment, PaginationQuery, {
        id: resource.id,
        first: null,
        after: null,
        last: 50,
        before: images.pageInfo.startCursor ?? null,
      });
      images = readImages(environment, resource);
    }
    expect(foremanIds(images)).toEqual(expected);
    expect(images?.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(sent).toHaveLength(6);
  });
});

describe('a delete before the cursor, then paging on', () => {
  it('the row the cursor names is deleted (@deleteEdge); the next page is the one that followed it', async () => {
    const original = storeImageIds(harness.demo, 2);
    const { environment } = relay();
    const resource = await computeResourceRef(environment, { first: 50 });
    const page1 = readImages(environment, resource);
    const endCursor = page1?.pageInfo.endCursor ?? null;
    const last = page1?.edges[49]?.node;
    expect(last?.foremanId).toBe(original[49]);

    const connection = ConnectionHandler.getConnectionID(resource.id, 'documents_images');
    const deleted = await mutate<documentsDeleteImageMutation>(environment, DeleteImageMutation, {
      input: { id: last?.id as string },
      connections: [connection],
    });
    expect(deleted.deleteImage).toEqual({ deletedId: last?.id, errors: [] });
    expect(foremanIds(readImages(environment, resource))).toEqual(original.slice(0, 49));

    // Relay keeps the page's endCursor: it names a row that no longer exists.
    expect(readImages(environment, resource)?.pageInfo.endCursor).toBe(endCursor);
    await load<documentsImagesPaginationQuery>(environment, PaginationQuery, {
      id: resource.id,
      first: 50,
      after: endCursor,
      last: null,
      before: null,
    });
    const now = storeImageIds(harness.demo, 2);
    expect(foremanIds(readImages(environment, resource))).toEqual(now.slice(0, 99));
    expect(now.slice(0, 99)).toEqual(original.slice(0, 100).filter((id) => id !== last?.foremanId));
  });
});

describe('a moved image keeps its id', () => {
  it("the store's record follows the move; the id as issued resolves to the same record", async () => {
    const { environment, sent } = relay();
    const moving = storeImageIds(harness.demo, 1)[0] as number;
    const issued = imageGlobalId(moving);
    const before = await load<documentsImageQuery>(environment, ImageQuery, { id: issued });
    expect(before.image).toMatchObject({ id: issued, computeResource: { foremanId: 1 } });
    const operation = createOperationDescriptor(ImageQuery, { id: issued });

    const moved = await mutate<documentsUpdateImageMutation>(environment, UpdateImageMutation, {
      input: { id: issued, computeResourceId: '7' },
    });
    expect(moved.updateImage?.image?.id).toBe(issued);
    expect(moved.updateImage?.errors).toEqual([]);
    // The query's data, read from the store: the mutation updated the record of that id.
    expect(environment.lookup(operation.fragment).data).toMatchObject({
      image: { id: issued, computeResource: { foremanId: 7, name: 'kvm-empty' } },
    });
    expect(sent).toHaveLength(2);

    const again = await fetchQuery<documentsImageQuery>(
      environment,
      ImageQuery,
      { id: legacyImageId(1, moving) },
      { fetchPolicy: 'network-only' },
    ).toPromise();
    expect(again?.image).toMatchObject({ id: issued, computeResource: { foremanId: 7 } });
    const fresh = await fetchQuery<documentsImageQuery>(
      environment,
      ImageQuery,
      { id: issued },
      { fetchPolicy: 'network-only' },
    ).toPromise();
    expect(fresh?.image).toMatchObject({ id: issued, computeResource: { foremanId: 7 } });
    expect(sent).toHaveLength(4);
  });
});
