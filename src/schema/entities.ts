import { defaultFieldResolver, type GraphQLSchema, isUnionType } from 'graphql';
import { builder } from './builder.js';
import { badUserInput, notFound } from './errors.js';
import { isBeyondForemanRange, parseForemanId } from './ids.js';
import type { NodeResource, TopLevelNode } from './node-types.js';

/**
 * Apollo Federation v2 entities: every type can be referenced by its global `id` or by Foreman's
 * numeric `foremanId` (what other services such as a hosts service store). `_entities` resolves
 * all representations of one request in the same tick, so they batch through the same loaders as
 * every other read: one `id ^ (…)` call per type; images go where each was last seen (one call per
 * compute resource), and the rest by one call per architecture.
 */

export type Representation = { id: string } | { foremanId: number };

export const entityKeys = [
  builder.selection<{ id: string }>('id'),
  builder.selection<{ foremanId: number }>('foremanId'),
];

/**
 * The key a representation carries, as an id argument would be written: a malformed one is
 * BAD_USER_INPUT for that entity; one beyond Foreman's id range names nothing (NOT_FOUND), and
 * neither reaches a batch.
 */
export function representationKey(
  representation: Representation,
  resource: NodeResource,
): { value: string; argumentName: 'id' | 'foremanId' } {
  const key =
    'id' in representation
      ? { value: String(representation.id), argumentName: 'id' as const }
      : { value: String(representation.foremanId), argumentName: 'foremanId' as const };
  if (isBeyondForemanRange(key.value)) throw notFound(resource, key.value);
  return key;
}

/** The Foreman id a representation names. */
export function foremanIdOf(representation: Representation, resource: TopLevelNode): number {
  const { value, argumentName } = representationKey(representation, resource);
  return parseForemanId(value, resource, argumentName);
}

/**
 * Answers, in `_entities`, each representation that names no entity type of this subgraph (a
 * `__typename` such as `Query`, a missing one, or not an object at all) with BAD_USER_INPUT at
 * its own index: it is the caller's input, and the other representations still resolve.
 * Federation's own resolver would fail the whole list, or that entity with an internal error.
 */
export function checkRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType('_Entity');
  if (!field || !isUnionType(union)) return schema;
  const entityTypes = union.getTypes().map((type) => type.name);
  const known = new Set(entityTypes);
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args: { representations: unknown[] }, context, info) => {
    const refusals = args.representations.map((representation, index) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof typename === 'string' && known.has(typename)) return undefined;
      const named = typeof typename === 'string' ? `"${preview(typename)}"` : 'no __typename';
      return badUserInput(
        `Representation ${index} names ${named}, which is not an entity type here (${entityTypes.join(', ')})`,
        'representations',
      );
    });
    if (refusals.every((refusal) => refusal === undefined)) {
      return resolve(source, args, context, info);
    }
    const representations = args.representations.filter((_, index) => !refusals[index]);
    // Federation's resolver answers one value per representation, in order; a returned error
    // becomes that item's error, at its index.
    const merge = (resolved: unknown[]) => {
      let next = 0;
      return refusals.map((refusal) => refusal ?? resolved[next++]);
    };
    const resolved = resolve(source, { ...args, representations }, context, info) as
      | unknown[]
      | Promise<unknown[]>;
    return resolved instanceof Promise ? resolved.then(merge) : merge(resolved);
  };
  return schema;
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
