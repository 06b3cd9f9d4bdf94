import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VIEWER } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { subscribe } from '../helpers/sse.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ env: { MAX_UPSTREAM_REQUESTS: '4' } });
});

afterAll(() => harness.close());

function expectLimit(result: Awaited<ReturnType<Harness['query']>>, limit: string) {
  expect(result.data ?? null).toBeNull();
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit });
}

describe('limits end requests before any upstream work', () => {
  it('a 300-alias query at the root (which is also too many root fields)', async () => {
    const fields = Array.from(
      { length: 300 },
      (_, i) => `a${i}: architecture(id: "${(i % 5) + 1}") { name }`,
    );
    harness.resetCounts();
    const result = await harness.query(`{ ${fields.join(' ')} }`);
    expectLimit(result, 'rootFields');
    expect(result.errors?.[0]?.message).toBe('The query asks for more than 20 root fields');
    expect(harness.upstream()).toEqual([]);
  });

  it('a 500-alias query below the root', async () => {
    const fields = Array.from({ length: 500 }, (_, i) => `a${i}: name`);
    harness.resetCounts();
    const result = await harness.query(`{ architecture(id: "1") { ${fields.join(' ')} } }`);
    expectLimit(result, 'aliases');
    expect(result.errors?.[0]?.message).toBe('The query uses more than 30 aliases');
    expect(harness.upstream()).toEqual([]);
  });

  it('a depth-40 query', async () => {
    let selection = 'name';
    for (let depth = 0; depth < 19; depth++) {
      selection = `architecture { images(first: 1) { nodes { ${selection} } } }`;
    }
    harness.resetCounts();
    const result = await harness.query(`{ image(id: "1") { ${selection} } }`);
    expectLimit(result, 'depth');
    expect(harness.upstream()).toEqual([]);
  });

  it('too many root fields', async () => {
    const fields = Array.from({ length: 21 }, () => '__typename');
    const result = await harness.query(`{ ${fields.join(' ')} architectures { totalCount } }`);
    expectLimit(result, 'rootFields');
  });

  it('a query whose pages multiply past the cost budget', async () => {
    harness.resetCounts();
    const result = await harness.query(
      '{ computeResources(first: 1000) { nodes { images(first: 1000) { nodes { name } } } } }',
    );
    expectLimit(result, 'cost');
    expect(harness.upstream()).toEqual([]);
  });

  it('the cost counts variables too', async () => {
    const result = await harness.query(
      'query($n: Int) { computeResources(first: $n) { nodes { images(first: $n) { nodes { name } } } } }',
      { variables: { n: 500 } },
    );
    expectLimit(result, 'cost');
  });

  it('fragments are expanded, so a fragment bomb is refused without blowing up', async () => {
    const fragments = Array.from(
      { length: 12 },
      (_, i) =>
        `fragment F${i} on Architecture { ${i === 11 ? 'name' : `a: images(first: 50) { nodes { architecture { ...F${i + 1} } } } b: images(first: 50) { nodes { architecture { ...F${i + 1} } } }`} }`,
    );
    const result = await harness.query(
      `{ architecture(id: "1") { ...F0 } } ${fragments.join(' ')}`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
  });

  it('a search longer than the limit is BAD_USER_INPUT', async () => {
    harness.resetCounts();
    const result = await harness.query(
      'query($s: String) { architectures(search: $s) { totalCount } }',
      {
        variables: { s: `name = ${'x'.repeat(1000)}` },
      },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(harness.upstream()).toEqual([]);
  });

  it('a body over the size limit is 413; a chunked body within it is accepted', async () => {
    const body = JSON.stringify({ query: `{ __typename } # ${'x'.repeat(200_000)}` });
    const tooBig = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(tooBig.status).toBe(413);
    expect(
      ((await tooBig.json()) as { errors: Array<{ extensions: { limit: string } }> }).errors[0]
        ?.extensions.limit,
    ).toBe('bodySize');

    const chunked = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob(['{"query":"{ __typename }"}']).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    expect(await chunked.json()).toEqual({ data: { __typename: 'Query' } });

    const chunkedTooBig = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunkedTooBig.status).toBe(413);

    const malformed = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(malformed.status).toBe(400);
  });

  it('the upstream request cap stops a query part-way with a clear error and bounded calls', async () => {
    harness.resetCounts();
    // No parent: 1 call for the compute resources, then 1 per compute resource (7): over a cap of 4.
    const result = await harness.query(
      '{ images(first: 5) { totalCount } architectures { totalCount } }',
    );
    // The other field's call may still be in flight when the cap trips: it is stopped too.
    const images = result.errors?.find((error) => error.path?.[0] === 'images');
    expect(images).toMatchObject({ extensions: { code: 'LIMIT_EXCEEDED' } });
    expect(images?.message).toContain('more than 4 requests to Foreman');
    expect(harness.upstream().length).toBeLessThanOrEqual(4);
  });

  it('queries within the limits still work', async () => {
    const result = await harness.query<{ architectures: { totalCount: number } }>(
      '{ a: architectures { totalCount } }',
    );
    expect(result.errors).toBeUndefined();
  });
});

describe('subscriptions are held to the same limits as queries', () => {
  /** A selection 13 levels deep below an image, 14 below `imageChanged`. */
  let deep = 'name';
  for (let level = 0; level < 4; level++) {
    deep = `architecture { images(first: 1) { nodes { ${deep} } } }`;
  }
  const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: name`).join(' ');
  const lists = 'architecture { operatingSystems { architectures { operatingSystems { name } } } }';

  it.each([
    ['depth', deep],
    ['aliases', aliases],
    ['cost', lists],
  ])(
    'over SSE, a subscription over the %s limit is refused before it subscribes',
    async (limit, selection) => {
      // The same selection, asked as a query, is refused as it always was.
      const asQuery = await harness.query(`{ image(id: "1") { ${selection} } }`);
      expect(asQuery.errors?.[0]?.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit });

      harness.resetCounts();
      const stream = await subscribe<{ data?: unknown; errors?: Array<{ extensions?: object }> }>(
        harness.url,
        `subscription { imageChanged { action image { ${selection} } } }`,
        { headers: { authorization: basicAuth(DEMO_VIEWER) } },
      );
      try {
        const [event] = await stream.waitFor(1);
        expect(event?.data ?? null).toBeNull();
        expect(event?.errors?.[0]?.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit });
        await stream.ended;
      } finally {
        stream.close();
      }
      // Never subscribed: no audit tail read Foreman for it.
      expect(harness.upstream()).toEqual([]);
    },
  );
});

describe('introspection is counted like any other selection', () => {
  it("GraphiQL's own schema query passes", async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    const result = await harness.query<{ __schema: { types: unknown[] } }>(query);
    expect(result.errors).toBeUndefined();
    expect(result.data?.__schema.types.length).toBeGreaterThan(40);
  });

  it('aliases inside __schema count', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: description`).join(' ');
    expectLimit(await harness.query(`{ __schema { ${aliases} } }`), 'aliases');
  });

  it('depth inside __schema counts', async () => {
    // 14 levels: `ofType` chains no longer than a real type's wrapping, and `fields` twice
    // (graphql-js refuses a third).
    const typeRef = 'type { ofType { ofType { ofType { name } } } }';
    expectLimit(
      await harness.query(
        `{ __schema { queryType { fields { type { ofType { ofType { ofType { fields { args { ${typeRef} } } } } } } } } } }`,
      ),
      'depth',
    );
  });

  it('cost inside __type counts, at the most items each list has in this schema', async () => {
    expectLimit(
      await harness.query(
        '{ __type(name: "Image") { fields { type { fields { args { type { enumValues { name description } } } } } } } }',
      ),
      'cost',
    );
  });
});
