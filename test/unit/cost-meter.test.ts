import {
  execute,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { createCostMeter, meterLists } from '../../src/limits/cost-meter.js';

/** A schema of numbers: `items(n)` is a list of n numbers, each with its own `items`. */
function numbers() {
  const resolveName = (n: number) => `#${n}`;
  const NumberType: GraphQLObjectType = new GraphQLObjectType({
    name: 'Number',
    fields: () => ({
      name: { type: GraphQLString, resolve: resolveName },
      items: {
        type: new GraphQLList(new GraphQLNonNull(NumberType)),
        args: { n: { type: GraphQLInt } },
        resolve: (_n: number, { n }: { n: number }) => Array.from({ length: n }, (_, i) => i),
      },
      later: {
        type: new GraphQLList(new GraphQLNonNull(NumberType)),
        resolve: async () => [1, 2],
      },
    }),
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: { root: { type: NumberType, resolve: () => 0 } },
    }),
  });
  return { schema, resolveName };
}

describe('meterLists', () => {
  it('wraps the resolvers of lists of objects only, once', () => {
    const { schema, resolveName } = numbers();
    const fields = (schema.getType('Number') as GraphQLObjectType).getFields();
    const items = fields.items?.resolve;
    meterLists(schema);
    expect(fields.name?.resolve).toBe(resolveName);
    expect(fields.items?.resolve).not.toBe(items);
  });

  it('counts the items lists return; the list past the budget, and later ones, are refused', async () => {
    const { schema } = numbers();
    meterLists(schema);
    const cost = createCostMeter(10);
    const result = await execute({
      schema,
      document: parse(
        '{ root { a: items(n: 4) { name } b: items(n: 7) { name } later { name } } }',
      ),
      contextValue: { cost },
    });
    expect(result.data).toEqual({
      root: {
        a: [{ name: '#0' }, { name: '#1' }, { name: '#2' }, { name: '#3' }],
        b: null,
        later: null,
      },
    });
    expect(result.errors?.map((e) => [e.path, e.extensions])).toEqual([
      [['root', 'b'], { code: 'LIMIT_EXCEEDED', limit: 'cost' }],
      [['root', 'later'], { code: 'LIMIT_EXCEEDED', limit: 'cost' }],
    ]);
    expect(cost.spent).toBe(11);
  });
});
