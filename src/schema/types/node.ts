import { builder } from '../builder.js';
import { encodeGlobalId, parseNodeId } from '../ids.js';
import { loadNode } from '../load.js';
import { NODE_TYPES } from '../node-types.js';
import { Node } from '../refs.js';
import type { NodeSource } from '../sources.js';

Node.implement({
  description: 'An object with a global id, fetchable with `node(id:)`.',
  resolveType: (source) => NODE_TYPES[source.resource].graphqlName,
  fields: (t) => ({
    id: t.id({
      description: "The global id (encoded like Foreman's own GraphQL ids).",
      resolve: globalIdOf,
    }),
  }),
});

builder.queryFields((t) => ({
  node: t.field({
    type: Node,
    nullable: true,
    description: 'Any object by its global id; null with a NOT_FOUND error when it does not exist.',
    args: { id: t.arg.id({ required: true, description: 'A global id.' }) },
    resolve: (_root, args, ctx) => loadNode(ctx, parseNodeId(args.id, 'id')),
  }),
  nodes: t.field({
    type: [Node],
    nullable: { list: false, items: true },
    description:
      'Objects by global id, in the order asked; a missing or malformed one is null with an error at its index. Lookups of one type are batched into one upstream request.',
    args: { ids: t.arg.idList({ required: true, description: 'Global ids, of any types.' }) },
    resolve: (_root, args, ctx) =>
      // A malformed id is null with its error at its index, and is never asked of Foreman; the
      // other ids resolve (as GitHub's `nodes` does).
      args.ids.map((id, index) => {
        try {
          return loadNode(ctx, parseNodeId(id, `ids[${index}]`));
        } catch (error) {
          return Promise.reject(error);
        }
      }),
  }),
}));

function globalIdOf(source: NodeSource): string {
  return encodeGlobalId(source.resource, source.foremanId);
}
