import type { FieldMap } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../../context.js';
import { UpstreamError } from '../../foreman/errors.js';
import type { RowOf } from '../../foreman/records.js';
import {
  definitionOf,
  type ImageParentName,
  RESOURCES,
  type ShowListKey,
} from '../../foreman/resources.js';
import { builder } from '../builder.js';
import { defineConnection, type ListArgs, listArgs, listRequest } from '../connections.js';
import { entityKeys, foremanIdOf, type Representation } from '../entities.js';
import { notFound } from '../errors.js';
import { commonFields, type FieldBuilder } from '../fields.js';
import { encodeGlobalId, parseForemanId } from '../ids.js';
import { loadRecord } from '../load.js';
import { NODE_TYPES, type NodeResource, type TopLevelNode } from '../node-types.js';
import { Node, topLevelRef } from '../refs.js';
import { argumentsOf, selectedFields } from '../selection.js';
import {
  columnResolver,
  fieldValue,
  partialSource,
  type RecordSource,
  sourceOf,
} from '../sources.js';
import { ImageConnection, listImages } from './image.js';

type Table = typeof RESOURCES;

/** What a type file says about one top-level resource of the table. */
export type ForemanTypeOptions<R extends TopLevelNode> = {
  description: string;
  /** Descriptions of the root fields: one record by id, and the list. */
  single: string;
  list: string;
  /** Descriptions of the child lists its show response carries (see the table's `showLists`). */
  showLists: { [K in ShowListKey<R>]: string };
  /** The type's own fields, answered from what is known, else from the loaded record. */
  fields: (t: FieldBuilder<R>, helpers: FieldHelpers<R>) => FieldMap;
} & (Table[R]['holdsImages'] extends true
  ? { /** Description of its `images` connection. */ images: string }
  : { images?: never });

interface FieldHelpers<R extends NodeResource> {
  /** A resolver for one column. */
  field: <K extends keyof RowOf<R>>(
    key: K,
  ) => (
    source: RecordSource<R>,
    args: object,
    ctx: GatewayContext,
  ) => RowOf<R>[K] | Promise<RowOf<R>[K]>;
  /** A nullable text column as a field. */
  text: (key: keyof RowOf<R>, description: string) => FieldMap[string];
}

/**
 * Everything a top-level Foreman type gets from its row in the table: a Node and federation
 * entity with `foremanId` and timestamps, its show lists, its images (where Foreman lists images
 * under it), a connection of its own, and root fields for one record and the list.
 */
export function implementForemanType<R extends TopLevelNode>(
  resource: R,
  options: ForemanTypeOptions<R>,
): void {
  const definition = RESOURCES[resource];
  const nodeType = NODE_TYPES[resource];
  const ref = topLevelRef(resource);
  const field: FieldHelpers<R>['field'] = (key) =>
    columnResolver(key, (source: RecordSource<R>, _args: object, ctx: GatewayContext) =>
      fieldValue(ctx, source, key),
    );

  ref.implement({
    description: options.description,
    // Every RecordSource is a NodeSource; TypeScript cannot see it for a generic R.
    interfaces: [Node] as never,
    isTypeOf: (source) => (source as { resource?: string }).resource === resource,
    fields: (t) => {
      const own = t as FieldBuilder<R>;
      const { foremanId, ...timestamps } = commonFields(own);
      return {
        foremanId,
        ...options.fields(own, {
          field,
          text: (key, description) =>
            own.string({
              nullable: true,
              description,
              resolve: field(key) as never,
            }),
        }),
        ...showListFields(own, resource, options.showLists),
        ...timestamps,
        ...(definition.holdsImages && options.images
          ? {
              images: own.field({
                type: ImageConnection,
                // Nullable: a failing list (bad search, upstream fault) must not wipe its siblings.
                nullable: true,
                description: options.images,
                args: listArgs,
                resolve: (s, args, ctx) =>
                  listImages(ctx, { resource: resource as never, id: s.foremanId }, args),
              }),
            }
          : {}),
      };
    },
  });

  builder.asEntity(ref, {
    key: entityKeys,
    // Async, so a bad representation fails its own entity, not the whole `_entities` list.
    resolveReference: async (representation: Representation, ctx) =>
      loadRecord(ctx, resource, foremanIdOf(representation, resource)),
  });

  const connection = defineConnection(nodeType.graphqlName, ref, (row: RowOf<R>) =>
    sourceOf(resource, row),
  );
  const singleName = nodeType.graphqlName.charAt(0).toLowerCase() + nodeType.graphqlName.slice(1);

  builder.queryFields((t) => ({
    [singleName]: t.field({
      type: ref,
      nullable: true,
      description: options.single,
      args: {
        id: t.arg.id({
          required: true,
          description: `A global ${nodeType.globalIdType} id or a numeric Foreman id.`,
        }),
      },
      resolve: async (_root, args, ctx, info) => {
        const id = parseForemanId(args.id, resource, 'id');
        if (definition.holdsImages && (await provenByImages(ctx, info, resource as never, id))) {
          return partialSource(resource, id, { id } as Partial<RowOf<R>>);
        }
        return loadRecord(ctx, resource, id);
      },
    }),
    [nodeType.graphqlPlural]: t.field({
      type: connection,
      nullable: true,
      description: options.list,
      args: listArgs,
      resolve: (_root, args, ctx) => {
        const request = listRequest(args, ctx.limits, definitionOf(resource).defaultOrder);
        return ctx.foreman.list(resource, request);
      },
    }),
  }));
}

/** Fields answered without the record itself. */
const WITHOUT_RECORD = new Set(['id', 'foremanId', '__typename', 'images']);

/**
 * When only `images` (and ids) are asked of a parent, its image lists prove it exists (Foreman
 * answers 404 under a missing parent) and the record is not read: `computeResource(id:) {
 * images }` costs one request. The lists read here are the ones the `images` fields then ask for,
 * so they are not read twice. Resolves false when the record is needed after all (other fields,
 * or list arguments refused before any request); throws NOT_FOUND when the parent does not exist.
 */
async function provenByImages(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  resource: ImageParentName,
  id: number,
): Promise<boolean> {
  const fields = selectedFields(info);
  const lists = fields.filter((field) => field.name.value === 'images');
  if (lists.length === 0 || fields.some((field) => !WITHOUT_RECORD.has(field.name.value))) {
    return false;
  }
  const outcomes = await Promise.all(
    lists.map(async (field) => {
      try {
        await listImages(ctx, { resource, id }, argumentsOf(info, field) as ListArgs);
        return undefined;
      } catch (error) {
        return error;
      }
    }),
  );
  if (outcomes.some((error) => error instanceof UpstreamError && error.status === 404)) {
    throw notFound(resource, encodeGlobalId(resource as TopLevelNode, id));
  }
  // Arguments refused before any request prove nothing: the record is read as usual, and the
  // `images` field reports its own error.
  return outcomes.every((error) => error === undefined || error instanceof UpstreamError);
}

/** One list field per child list of the show response, named after the items' resource. */
function showListFields<R extends TopLevelNode>(
  t: FieldBuilder<R>,
  resource: R,
  descriptions: Record<string, string>,
): FieldMap {
  const lists = RESOURCES[resource].showLists as Record<string, TopLevelNode>;
  return Object.fromEntries(
    Object.entries(lists).map(([key, target]) => [
      NODE_TYPES[target].graphqlPlural,
      t.field({
        type: [topLevelRef(target)],
        nullable: { list: true, items: false },
        description: descriptions[key] ?? '',
        resolve: async (s, _args, ctx) => {
          const show = await ctx.foreman.show(resource, s.foremanId);
          if (!show) throw notFound(resource, encodeGlobalId(resource, s.foremanId));
          const items = (show as unknown as Record<string, Array<{ id: number }>>)[key] ?? [];
          return items.map((item) => partialSource(target, item.id, item as never)) as never;
        },
      }),
    ]),
  );
}
