import type { GatewayContext } from '../context.js';
import type { RowOf } from '../foreman/records.js';
import { timestamp } from '../foreman/timestamps.js';
import type { builder } from './builder.js';
import type { NodeResource } from './node-types.js';
import { columnResolver, fieldValue, type RecordSource } from './sources.js';

type Types = typeof builder.$inferSchemaTypes;

export type FieldBuilder<R extends NodeResource> = PothosSchemaTypes.ObjectFieldBuilder<
  Types,
  RecordSource<R>
>;

/** `foremanId`, `createdAt` and `updatedAt`: what every type of the table has. */
export function commonFields<R extends NodeResource>(t: FieldBuilder<R>) {
  const instant = (key: 'created_at' | 'updated_at') =>
    columnResolver(key, (source: RecordSource<R>, _args: object, ctx: GatewayContext) => {
      const value = fieldValue(ctx, source, key as keyof RowOf<R>) as
        | string
        | null
        | Promise<string | null>;
      return value instanceof Promise ? value.then(timestamp) : timestamp(value);
    });
  return {
    foremanId: t.int({ description: "Foreman's numeric id.", resolve: (s) => s.foremanId }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was created.',
      resolve: instant('created_at'),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it last changed.',
      resolve: instant('updated_at'),
    }),
  };
}
