import { getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { findLimitViolation, type QueryLimits } from '../../src/limits/analyze.js';
import { introspectionSizes } from '../../src/limits/introspection-sizes.js';
import { schema } from '../../src/schema/index.js';

const defaults: QueryLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxCost: 50_000,
  defaultPageSize: 20,
  listCostEstimate: 100,
};

/** The cost the analyzer gives a query: the smallest budget it passes. */
function costOf(query: string, limits: Partial<QueryLimits> = {}): number {
  const document = parse(query);
  const violates = (maxCost: number) =>
    findLimitViolation(schema, document, undefined, {}, { ...defaults, ...limits, maxCost })
      ?.limit === 'cost';
  let low = 0;
  let high = 100_000_000;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (violates(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function violation(query: string, limits: Partial<QueryLimits> = {}) {
  return findLimitViolation(schema, parse(query), undefined, {}, { ...defaults, ...limits });
}

describe('the cost of a query: the objects it could return', () => {
  it('a connection counts its page; its own lists hold that page', () => {
    // images, then 10 × (nodes, name).
    expect(costOf('{ images(first: 10) { nodes { name } } }')).toBe(1 + 10 + 10);
    expect(costOf('{ images { edges { node { name } } } }')).toBe(1 + 20 + 20 + 20);
  });

  it('a plain list counts at LIST_COST_ESTIMATE', () => {
    // architecture, operatingSystems, then 100 × name.
    expect(costOf('{ architecture(id: "1") { operatingSystems { name } } }')).toBe(1 + 1 + 100);
    expect(
      costOf('{ architecture(id: "1") { operatingSystems { name } } }', { listCostEstimate: 7 }),
    ).toBe(1 + 1 + 7);
    // Nested plain lists multiply.
    expect(
      costOf('{ architecture(id: "1") { operatingSystems { architectures { name } } } }'),
    ).toBe(1 + 1 + 100 + 100 * 100);
  });

  it("an image's history counts at its page, its changes at the attributes an image has", () => {
    // images, 20 × (nodes, history), 20 × 5 × (nodes, action, changes), 20 × 5 × 8 × attribute.
    expect(
      costOf(
        '{ images(first: 20) { nodes { history(first: 5) { nodes { action changes { attribute } } } } } }',
      ),
    ).toBe(1 + 20 * 2 + 100 * 3 + 100 * 8);
    // The same through the shared interface, and on the subscription's events.
    expect(
      costOf(
        '{ image(id: "1") { history { nodes { ... on ImageChangeDetails { changes { before after } } } } } }',
      ),
    ).toBe(1 + 1 + 20 * 2 + 20 * 8 * 2);
    expect(costOf('subscription { imageChanged { changes { attribute } } }')).toBe(1 + 1 + 8);
    // History on a page of 20 images with every field of every entry, at the default page size.
    expect(
      violation(`{ images(first: 20) { nodes { name history { pageInfo { hasNextPage endCursor }
        edges { cursor node { auditId action changedAt changedBy requestId
        changes { attribute before after } } } } } } }`),
    ).toBeUndefined();
  });

  it('nodes(ids:) and _entities count their ids', () => {
    expect(costOf('{ nodes(ids: ["a", "b", "c"]) { id } }')).toBe(1 + 3);
    expect(
      costOf(
        '{ _entities(representations: [{ __typename: "Image", foremanId: 1 }, { __typename: "Image", foremanId: 2 }]) { __typename } }',
      ),
    ).toBe(1 + 2);
  });

  it('refuses the 8-level alternation of plain lists, naming the estimate', () => {
    let selection = 'name';
    for (let level = 8; level >= 1; level--) {
      selection = `name ${level % 2 === 1 ? 'operatingSystems' : 'architectures'} { ${selection} }`;
    }
    expect(violation(`{ architectures(first: 20) { nodes { ${selection} } } }`)).toEqual({
      limit: 'cost',
      message:
        'The query could return more than 50000 objects (a list without paging counts as 100); ask for smaller pages or fewer fields',
    });
  });
});

describe('introspection is counted like any other selection, at its real sizes', () => {
  const sizes = introspectionSizes(schema);
  const types = Object.keys(schema.getTypeMap()).length;

  it('measures the lists of this schema once', () => {
    expect(sizes.max.get('__Schema.types')).toBe(types);
    expect(sizes.max.get('__Type.fields')).toBeGreaterThan(5);
    expect(sizes.total.get('__Type.fields')).toBeGreaterThan(sizes.max.get('__Type.fields') ?? 0);
    expect(sizes.maxWrapping).toBe(3);
    expect(introspectionSizes(schema)).toBe(sizes);
  });

  it('every type once, then every field of them once', () => {
    const fields = sizes.total.get('__Type.fields') ?? 0;
    expect(costOf('{ __schema { types { name } } }')).toBe(1 + 1 + types);
    expect(costOf('{ __schema { types { fields { name } } } }')).toBe(1 + 1 + types + fields);
    // One type's fields: at most the most fields a type has.
    expect(costOf('{ __type(name: "Image") { fields { name } } }')).toBe(
      1 + 1 + (sizes.max.get('__Type.fields') ?? 0),
    );
  });

  it("lets GraphiQL's own schema query through the default limits", () => {
    const graphiql = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    expect(findLimitViolation(schema, parse(graphiql), undefined, {}, defaults)).toBeUndefined();
    // Nine levels: `__schema types fields args type`, then three `ofType` (no type here is
    // wrapped more often; a fourth is null, and what it selects is never executed).
    expect(violation(graphiql, { maxDepth: 9 })).toBeUndefined();
    expect(violation(graphiql, { maxDepth: 8 })?.limit).toBe('depth');
    expect(costOf(graphiql)).toBeLessThan(defaults.maxCost / 2);
  });

  it('counts aliases, depth and cost inside __schema and __type', () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: description`).join(' ');
    expect(violation(`{ __schema { ${aliases} } }`)?.limit).toBe('aliases');
    const typeRef = 'type { ofType { ofType { ofType { name } } } }';
    const deep = `{ __schema { queryType { fields { type { ofType { ofType { ofType { fields { args { ${typeRef} } } } } } } } } } }`;
    expect(violation(deep)?.limit).toBe('depth');
    expect(violation(deep, { maxDepth: 14 })).toBeUndefined();
    // The most fields a type has, twice over, × the most args × the most enum values.
    const wide =
      '{ __type(name: "Image") { fields { type { fields { args { type { enumValues { name description } } } } } } } }';
    expect(violation(wide)?.limit).toBe('cost');
    const [fields, args, values] = ['__Type.fields', '__Field.args', '__Type.enumValues'].map(
      (key) => sizes.max.get(key) ?? 0,
    ) as [number, number, number];
    expect(costOf(wide)).toBe(
      1 + 1 + fields * 2 + fields ** 2 + fields ** 2 * args * 2 + fields ** 2 * args * values * 2,
    );
  });
});
