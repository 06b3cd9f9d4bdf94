import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApolloClient,
  CombinedGraphQLErrors,
  gql,
  HttpLink,
  InMemoryCache,
  type TypedDocumentNode,
} from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { addTypenameToDocument } from '@apollo/client/utilities';
import {
  Client,
  fetchExchange,
  formatDocument,
  stringifyDocument,
  gql as urqlGql,
} from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { persistedExchange } from '@urql/exchange-persisted';
import { print } from 'graphql';
import {
  type ConcreteRequest,
  commitMutation,
  Environment,
  type FetchFunction,
  fetchQuery,
  Network,
  RecordSource,
  Store,
} from 'relay-runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { introspection, possibleTypes, recordingFetch, storeImageIds } from './helpers.js';
import ComputeResourceQuery, {
  type documentsComputeResourceQuery,
} from './relay/__generated__/documentsComputeResourceQuery.graphql.js';
import ImageQuery, {
  type documentsImageQuery,
} from './relay/__generated__/documentsImageQuery.graphql.js';
import UpdateImageMutation, {
  type documentsUpdateImageMutation,
} from './relay/__generated__/documentsUpdateImageMutation.graphql.js';

/**
 * Persisted documents as three client stacks send them, against one gateway started with a
 * manifest (`PERSISTED_OPERATIONS_FILE`) holding every document they may run:
 * - Apollo Client's persisted-queries link: `extensions.persistedQuery.sha256Hash`, POST and GET;
 * - graphql-codegen's client preset: `documentId: "sha256:<hex>"` (sent with plain fetch, as its
 *   generated code hands it to a fetcher: codegen itself is not a dependency here);
 * - Relay: `doc_id`, the ids relay-compiler's persistConfig wrote beside the artifacts;
 * and, on a gateway without a manifest, Apollo's link falling back to sending the text.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const ARCHITECTURES: TypedDocumentNode<
  { architectures: { totalCount: number; nodes: Array<{ id: string; name: string }> } | null },
  { first: number }
> = gql`
  query Architectures($first: Int) {
    architectures(first: $first) {
      totalCount
      nodes {
        id
        name
      }
    }
  }
`;

const UNLISTED = gql`
  query NotInTheManifest {
    computeResources {
      totalCount
    }
  }
`;

/** The text Apollo Client hashes: the document as sent, with the `__typename`s its cache adds. */
const apolloText = (document: typeof ARCHITECTURES) => print(addTypenameToDocument(document));

const urqlImages = urqlGql`
  query UrqlImages($id: ID!, $first: Int) {
    computeResource(id: $id) {
      id
      images(first: $first) {
        totalCount
        nodes {
          id
          foremanId
        }
      }
    }
  }
`;

/** What urql hashes: the document as graphcache formats it (with `__typename`), printed by urql. */
const urqlText = stringifyDocument(formatDocument(urqlImages));

/** A document as graphql-codegen's client preset would persist it. */
const CODEGEN_TEXT = 'query ComputeResourceName($id: ID!) { computeResource(id: $id) { id name } }';

const relayManifest = JSON.parse(
  readFileSync(new URL('relay/__generated__/persisted-documents.json', import.meta.url), 'utf8'),
) as Record<string, string>;

let persisted: Harness;
let open: Harness;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'client-documents-')), 'persisted-documents.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...relayManifest,
      [sha256(apolloText(ARCHITECTURES))]: apolloText(ARCHITECTURES),
      [sha256(urqlText)]: urqlText,
      // The bare hex here, `sha256:<hex>` in the request: the gateway takes the prefix on
      // either side.
      [sha256(CODEGEN_TEXT)]: CODEGEN_TEXT,
    }),
  );
  [persisted, open] = await Promise.all([
    startHarness({ env: { PERSISTED_OPERATIONS_FILE: file } }),
    startHarness(),
  ]);
});

afterEach(() => persisted.demo.resetData());

afterAll(() => Promise.all([persisted.close(), open.close()]));

function apollo(harness: Harness, options: { useGETForHashedQueries?: boolean } = {}) {
  const { fetch, sent } = recordingFetch(DEMO_ADMIN);
  const link = new PersistedQueryLink({ sha256, ...options }).concat(
    // Apollo's CSRF header, which the gateway requires on GET.
    new HttpLink({
      uri: `${harness.url}/graphql`,
      fetch,
      headers: { 'apollo-require-preflight': 'true' },
    }),
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes }) }), sent };
}

describe("Apollo Client's persisted-queries link", () => {
  it.each([
    ['POST', false],
    ['GET', true],
  ])('sends only the hash, over %s, and the manifest document runs', async (method, useGET) => {
    const { client, sent } = apollo(persisted, { useGETForHashedQueries: useGET });
    const result = await client.query({ query: ARCHITECTURES, variables: { first: 2 } });
    expect(result.data?.architectures).toMatchObject({ totalCount: 5, nodes: [{}, {}] });
    // One round trip: the hash was known, no retry with the text.
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.method).toBe(method);
    const params =
      request?.method === 'GET'
        ? {
            query: request.url.searchParams.get('query') ?? undefined,
            extensions: JSON.parse(request.url.searchParams.get('extensions') ?? '{}'),
          }
        : request?.body;
    expect(params?.query).toBeUndefined();
    expect(params?.extensions).toMatchObject({
      persistedQuery: { version: 1, sha256Hash: sha256(apolloText(ARCHITECTURES)) },
    });
  });

  it('a document not in the manifest is refused: PERSISTED_QUERY_ONLY for its text', async () => {
    // A client without the link sends the text, as GraphiQL or a script would.
    const { fetch } = recordingFetch(DEMO_ADMIN);
    const plain = new ApolloClient({
      link: new HttpLink({ uri: `${persisted.url}/graphql`, fetch }),
      cache: new InMemoryCache(),
    });
    const result = await plain.query({ query: UNLISTED, errorPolicy: 'all' });
    expect(result.data).toBeUndefined();
    const codes = CombinedGraphQLErrors.is(result.error)
      ? result.error.errors.map((e) => e.extensions?.code)
      : [result.error?.message];
    expect(codes).toEqual(['PERSISTED_QUERY_ONLY']);
  });

  it('a document not in the manifest, through the link: the hash, then the text, both refused', async () => {
    const { client, sent } = apollo(persisted);
    const result = await client.query({ query: UNLISTED, errorPolicy: 'all' });
    expect(result.data).toBeUndefined();
    expect(CombinedGraphQLErrors.is(result.error)).toBe(true);
    // The link tries the hash, is told it is not found, and sends the text with it once.
    expect(sent.map((request) => typeof request.body?.query)).toEqual(['undefined', 'string']);
  });

  // The link's second request carries the text of a document that is not in the manifest, with
  // its hash: the text decides, as when it is sent alone.
  it('…and the text is refused with PERSISTED_QUERY_ONLY, as it is when sent alone', async () => {
    const { client } = apollo(persisted);
    const result = await client.query({ query: UNLISTED, errorPolicy: 'all' });
    const codes = CombinedGraphQLErrors.is(result.error)
      ? result.error.errors.map((e) => e.extensions?.code)
      : [];
    expect(codes).toEqual(['PERSISTED_QUERY_ONLY']);
  });

  it('without a manifest the link falls back to the text (PERSISTED_QUERY_NOT_SUPPORTED), then stops hashing', async () => {
    const { client, sent } = apollo(open);
    const first = await client.query({ query: ARCHITECTURES, variables: { first: 2 } });
    expect(first.data?.architectures?.totalCount).toBe(5);
    const again = await client.query({
      query: ARCHITECTURES,
      variables: { first: 3 },
      fetchPolicy: 'network-only',
    });
    expect(again.data?.architectures?.nodes).toHaveLength(3);
    expect(
      sent.map((request) => [
        typeof request.body?.query,
        request.body?.extensions && 'persistedQuery' in (request.body.extensions as object),
      ]),
    ).toEqual([
      ['undefined', true],
      ['string', false],
      ['string', false],
    ]);
    // What the gateway answered the hash alone with, asked directly.
    const response = await fetch(`${open.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sent[0]?.body),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_SUPPORTED']);
  });
});

describe("graphql-codegen's documentId", () => {
  const documentId = `sha256:${sha256(CODEGEN_TEXT)}`;
  const headers = {
    'content-type': 'application/json',
    authorization: `Basic ${Buffer.from('admin:changeme').toString('base64')}`,
  };

  it('POST { documentId: "sha256:<hex>", variables } runs the manifest document', async () => {
    const response = await fetch(`${persisted.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        documentId,
        operationName: 'ComputeResourceName',
        variables: { id: '2' },
      }),
    });
    expect(await response.json()).toEqual({
      data: { computeResource: { id: expect.any(String), name: 'vcenter-prod' } },
    });
  });

  it('GET ?documentId=sha256:<hex> runs it too (with the CSRF header)', async () => {
    const search = new URLSearchParams({ documentId, variables: JSON.stringify({ id: '2' }) });
    const response = await fetch(`${persisted.url}/graphql?${search}`, {
      headers: { ...headers, 'x-graphql-yoga-csrf': 'codegen' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      data: { computeResource: { name: 'vcenter-prod' } },
    });
  });
});

describe("Relay's doc_id", () => {
  function relay() {
    const { fetch, sent } = recordingFetch(DEMO_ADMIN);
    // A persisted-queries fetch function as Relay's docs write it: the id, never the text.
    const fetchFunction: FetchFunction = async (params, variables) => {
      const response = await fetch(`${persisted.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ doc_id: params.id, variables }),
      });
      return response.json();
    };
    const environment = new Environment({
      network: Network.create(fetchFunction),
      store: new Store(new RecordSource()),
    });
    return { environment, sent };
  }

  it('queries and a mutation run by the ids relay-compiler persisted', async () => {
    const { environment, sent } = relay();
    const page = await fetchQuery<documentsComputeResourceQuery>(
      environment,
      ComputeResourceQuery,
      { id: '2', first: 5, last: null },
    ).toPromise();
    expect(page?.computeResource?.name).toBe('vcenter-prod');
    const imageId = storeImageIds(persisted.demo, 2)[0] as number;
    const image = await fetchQuery<documentsImageQuery>(environment, ImageQuery, {
      id: String(imageId),
    }).toPromise();
    expect(image?.image?.foremanId).toBe(imageId);
    const renamed = await new Promise<documentsUpdateImageMutation['response']>((resolve, reject) =>
      commitMutation<documentsUpdateImageMutation>(environment, {
        mutation: UpdateImageMutation,
        variables: { input: { id: String(imageId), name: 'renamed-by-doc-id' } },
        onCompleted: resolve,
        onError: reject,
      }),
    );
    expect(renamed.updateImage).toMatchObject({ image: { name: 'renamed-by-doc-id' }, errors: [] });
    expect(persisted.demo.store.image(imageId)?.name).toBe('renamed-by-doc-id');
    expect(sent.map((request) => request.body)).toEqual([
      {
        doc_id: (ComputeResourceQuery as ConcreteRequest).params.id,
        variables: { id: '2', first: 5, last: null },
      },
      { doc_id: (ImageQuery as ConcreteRequest).params.id, variables: { id: String(imageId) } },
      {
        doc_id: (UpdateImageMutation as ConcreteRequest).params.id,
        variables: { input: { id: String(imageId), name: 'renamed-by-doc-id' } },
      },
    ]);
  });
});

describe("urql's persisted exchange", () => {
  it('sends the hash alone as GET and the manifest document runs', async () => {
    const { fetch, sent } = recordingFetch(DEMO_ADMIN);
    const client = new Client({
      url: `${persisted.url}/graphql`,
      fetch,
      fetchOptions: { headers: { 'x-graphql-yoga-csrf': 'urql' } },
      exchanges: [
        cacheExchange({ schema: introspection() }),
        persistedExchange({
          preferGetForPersistedQueries: true,
          generateHash: async (query) => sha256(query),
        }),
        fetchExchange,
      ],
    });
    const result = await client.query(urqlImages, { id: '2', first: 3 }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.computeResource.images.totalCount).toBe(300);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe('GET');
    expect(sent[0]?.url.searchParams.has('query')).toBe(false);
    expect(JSON.parse(sent[0]?.url.searchParams.get('extensions') ?? '{}')).toEqual({
      persistedQuery: { version: 1, sha256Hash: sha256(urqlText) },
    });
  });
});
