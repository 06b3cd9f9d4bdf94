import type { FieldMap, ImplementableObjectRef } from '@pothos/core';
import type DataLoader from 'dataloader';
import type { GatewayContext } from '../../context.js';
import { collectionPath } from '../../foreman/paths.js';
import type { Collection } from '../../foreman/records.js';
import { builder } from '../builder.js';
import { defineConnection, fetchList, listArgs } from '../connections.js';
import { entityKeys, foremanIdOf, type Representation } from '../entities.js';
import { type ForemanTypeName, parseForemanId } from '../ids.js';
import { Node } from '../refs.js';
import { type NodeTypeName, type RecordSource, recordFields, sourceOf } from '../sources.js';
import { ImageConnection, listImages } from './image.js';

type Types = typeof builder.$inferSchemaTypes;

interface ForemanRecord {
  id: number;
  created_at: string | null;
  updated_at: string | null;
}

export interface ForemanTypeOptions<R extends ForemanRecord> {
  ref: ImplementableObjectRef<Types, RecordSource<R>>;
  typeName: NodeTypeName;
  /** The type name Foreman's own GraphQL ids use. */
  foremanTypeName: ForemanTypeName;
  collection: Collection;
  description: string;
  loaderOf: (ctx: GatewayContext) => DataLoader<number, R | null>;
  load: (ctx: GatewayContext, id: number) => Promise<RecordSource<R>>;
  /** The root fields: one record by id, and the list. */
  single: { name: string; description: string };
  list: { name: string; description: string; defaultOrder?: string };
  imagesDescription: string;
  /** The type's own fields, answered from what is known, else from the loaded record. */
  fields: (t: FieldBuilder<R>, helpers: FieldHelpers<R>) => FieldMap;
}

type FieldBuilder<R> = PothosSchemaTypes.ObjectFieldBuilder<Types, RecordSource<R>>;

interface FieldHelpers<R> {
  /** A resolver for one column. */
  field: ReturnType<typeof recordFields<R>>['field'];
  /** A nullable text column as a field. */
  text: (key: keyof R, description: string) => FieldMap[string];
}

/**
 * What the three Foreman types besides Image share: a Node and federation entity with
 * `foremanId` and timestamps, its images as a connection, a connection of its own, and root
 * fields for one record and the list.
 */
export function implementForemanType<R extends ForemanRecord>(options: ForemanTypeOptions<R>) {
  const { field, timestamp } = recordFields<R>(options.typeName, options.loaderOf);
  const { ref, typeName } = options;

  ref.implement({
    description: options.description,
    interfaces: [Node],
    isTypeOf: (source) => (source as { typeName?: string }).typeName === typeName,
    fields: (t) => ({
      foremanId: t.int({ description: "Foreman's numeric id.", resolve: (s) => s.foremanId }),
      ...options.fields(t, {
        field,
        text: (key, description) =>
          t.string({
            nullable: true,
            description,
            resolve: field(key) as (
              ...args: Parameters<ReturnType<typeof field>>
            ) => Promise<string | null>,
          }),
      }),
      createdAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'When it was created.',
        resolve: timestamp('created_at'),
      }),
      updatedAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'When it last changed.',
        resolve: timestamp('updated_at'),
      }),
      images: t.field({
        type: ImageConnection,
        // Nullable: a failing list (bad search, upstream fault) must not wipe its siblings.
        nullable: true,
        description: options.imagesDescription,
        args: listArgs,
        resolve: (s, args, ctx) =>
          listImages(ctx, { collection: options.collection, id: s.foremanId }, args),
      }),
    }),
  });

  builder.asEntity(ref, {
    key: entityKeys,
    resolveReference: (representation: Representation, ctx) =>
      options.load(ctx, foremanIdOf(representation, options.foremanTypeName)),
  });

  const connection = defineConnection(typeName, ref, (row: R) => sourceOf(typeName, row));

  builder.queryFields((t) => ({
    [options.single.name]: t.field({
      type: ref,
      nullable: true,
      description: options.single.description,
      args: {
        id: t.arg.id({
          required: true,
          description: `A global ${options.foremanTypeName} id or a numeric Foreman id.`,
        }),
      },
      resolve: (_root, args, ctx) =>
        options.load(ctx, parseForemanId(args.id, options.foremanTypeName, 'id')),
    }),
    [options.list.name]: t.field({
      type: connection,
      nullable: true,
      description: options.list.description,
      args: listArgs,
      resolve: (_root, args, ctx) =>
        fetchList<R>(ctx, collectionPath(options.collection), args, options.list.defaultOrder),
    }),
  }));
  return connection;
}
