import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { subscribe } from '../helpers/sse.js';

/**
 * MAX_COST counts the objects a query could return, plain lists included (`operatingSystems`,
 * `architectures`): before execution each counts at LIST_COST_ESTIMATE, and during it the items
 * lists actually return are counted, so a list longer than its estimate cannot beat the budget.
 */

/** Plain lists nested `levels` deep under a page of architectures, alternating. */
function alternating(levels: number, first = 20): string {
  let selection = 'name';
  for (let level = levels; level >= 1; level--) {
    selection = `name ${level % 2 === 1 ? 'operatingSystems' : 'architectures'} { ${selection} }`;
  }
  return `{ architectures(first: ${first}) { nodes { ${selection} } } }`;
}

type Tree = unknown;

/** Items of every list in a response's data. */
function listItems(value: Tree): number {
  if (Array.isArray(value)) return value.length + value.reduce((n, item) => n + listItems(item), 0);
  if (value && typeof value === 'object') {
    return Object.values(value).reduce((n: number, item) => n + listItems(item), 0);
  }
  return 0;
}

describe('before execution, a plain list counts at LIST_COST_ESTIMATE', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it("refuses a viewer's lists alternating 8 levels deep, with no upstream request", async () => {
    harness.resetCounts();
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: basicAuth(DEMO_VIEWER),
      },
      body: JSON.stringify({ query: alternating(8) }),
    });
    const text = await response.text();
    expect(text.length).toBeLessThan(10_000);
    const body = JSON.parse(text) as { data?: unknown; errors?: Array<{ extensions?: object }> };
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'cost' });
    expect(harness.upstream()).toEqual([]);
  });

  it('still answers a plain list under a page', async () => {
    const result = await harness.query<{
      architectures: { nodes: Array<{ operatingSystems: Array<{ title: string }> }> };
    }>('{ architectures(first: 20) { nodes { name operatingSystems { title } } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data?.architectures.nodes[0]?.operatingSystems.length).toBeGreaterThan(0);
  });

  it('lets a page of nodes through by its ids, however long the plain lists inside', async () => {
    // 2 ids × one plain list: within the budget; the same under a page of 1000 is not.
    const ids = ['MDE6QXJjaGl0ZWN0dXJlLTE=', 'MDE6QXJjaGl0ZWN0dXJlLTI='];
    const select = '... on Architecture { operatingSystems { architectures { name } } }';
    const byIds = await harness.query(`{ nodes(ids: ${JSON.stringify(ids)}) { ${select} } }`);
    expect(byIds.errors).toBeUndefined();
    harness.resetCounts();
    const paged = await harness.query(`{ architectures(first: 1000) { nodes { ${select} } } }`);
    expect(paged.errors?.[0]?.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'cost' });
    expect(harness.upstream()).toEqual([]);
  });
});

describe('LIST_COST_ESTIMATE is what a plain list counts as', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { LIST_COST_ESTIMATE: '1000' } });
  });
  afterAll(() => harness.close());

  it('a larger estimate refuses nested plain lists the default lets through', async () => {
    harness.resetCounts();
    // 1000 × 1000 objects could come back; at the default (100 × 100) this is answered.
    const result = await harness.query(
      '{ architecture(id: "1") { operatingSystems { architectures { name } } } }',
    );
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'cost' });
    expect(harness.upstream()).toEqual([]);
  });
});

describe('during execution, MAX_COST holds on the objects lists return', () => {
  let harness: Harness;
  beforeAll(async () => {
    // Every plain list is estimated at one item, so only the count during execution can stop
    // them. x86_64 runs 9 operating systems.
    harness = await startHarness({ env: { LIST_COST_ESTIMATE: '1', MAX_COST: '12' } });
  });
  afterAll(() => harness.close());

  it('the list that crosses it answers LIMIT_EXCEEDED; what resolved before stays', async () => {
    const result = await harness.query<{
      architecture: { name: string; a: Array<{ name: string }> | null; b: unknown };
    }>(
      '{ architecture(id: "1") { name a: operatingSystems { name } b: operatingSystems { name } } }',
    );
    expect(result.data?.architecture.name).toBe('x86_64');
    expect(result.data?.architecture.a).toHaveLength(9);
    expect(result.data?.architecture.b).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['architecture', 'b'],
        extensions: { code: 'LIMIT_EXCEEDED', limit: 'cost' },
      }),
    ]);
  });

  it('nested lists longer than their estimate stop at the budget', async () => {
    const result = await harness.query(
      '{ architecture(id: "1") { operatingSystems { architectures { operatingSystems { name } } } } }',
    );
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors ?? []) {
      expect(error.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'cost' });
    }
    expect(listItems(result.data)).toBeLessThanOrEqual(12);
  });

  it('each request has a budget of its own', async () => {
    for (let i = 0; i < 3; i++) {
      const result = await harness.query('{ architecture(id: "1") { operatingSystems { name } } }');
      expect(result.errors).toBeUndefined();
    }
  });

  it('each event of a subscription has a budget of its own', async () => {
    const found = await harness.query<{ images: { nodes: Array<{ id: string }> } }>(
      '{ images(architectureId: "1", first: 1) { nodes { id } } }',
    );
    const id = found.data?.images.nodes[0]?.id as string;
    const stream = await subscribe<{
      data?: { imageChanged: { image: { architecture: { operatingSystems: unknown[] } } } };
      errors?: unknown[];
    }>(
      harness.url,
      'subscription { imageChanged { action image { architecture { operatingSystems { name } } } } }',
      { headers: { authorization: basicAuth(DEMO_ADMIN) } },
    );
    try {
      // 9 operating systems an event: two events together would be over the budget of 12.
      for (const name of ['budget-1', 'budget-2']) {
        const updated = await harness.query(
          `mutation { updateImage(input: { id: "${id}", name: "${name}" }) { image { name } } }`,
        );
        expect(updated.errors).toBeUndefined();
      }
      const events = await stream.waitFor(2);
      for (const event of events) {
        expect(event.errors).toBeUndefined();
        expect(event.data?.imageChanged.image.architecture.operatingSystems).toHaveLength(9);
      }
    } finally {
      stream.close();
    }
  });
});
