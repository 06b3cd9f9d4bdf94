import { collectionPath } from '../../foreman/paths.js';
import type { ComputeResourceRecord } from '../../foreman/records.js';
import { builder } from '../builder.js';
import { defineConnection, fetchList, listArgs } from '../connections.js';
import { parseForemanId } from '../ids.js';
import { loadComputeResource } from '../load.js';
import { ComputeResource, Node } from '../refs.js';
import { recordFields, sourceOf } from '../sources.js';
import { ImageConnection, listImages } from './image.js';

const { field, timestamp: timestampOf } = recordFields<ComputeResourceRecord>(
  'ComputeResource',
  (ctx) => ctx.loaders.computeResources,
);
/** A nullable text column. */
const nullableText = (key: keyof ComputeResourceRecord) =>
  field(key) as (...args: Parameters<ReturnType<typeof field>>) => Promise<string | null>;

ComputeResource.implement({
  description:
    'A compute resource: a hypervisor or cloud (Libvirt, VMware, EC2…) that holds images.',
  interfaces: [Node],
  isTypeOf: (source) => (source as { typeName?: string }).typeName === 'ComputeResource',
  fields: (t) => ({
    foremanId: t.int({ description: "Foreman's numeric id.", resolve: (s) => s.foremanId }),
    name: t.string({
      description: 'Its unique name.',
      resolve: field('name'),
    }),
    provider: t.string({
      nullable: true,
      description: 'Provider, e.g. `Libvirt`, `EC2`, `Vmware`.',
      resolve: nullableText('provider'),
    }),
    providerFriendlyName: t.string({
      nullable: true,
      description: 'Provider as people write it, e.g. `VMware`, `oVirt`.',
      resolve: nullableText('provider_friendly_name'),
    }),
    description: t.string({
      nullable: true,
      description: 'Free-text description.',
      resolve: nullableText('description'),
    }),
    url: t.string({
      nullable: true,
      description: 'Its URL (for EC2, the region).',
      resolve: nullableText('url'),
    }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was created.',
      resolve: timestampOf('created_at'),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it last changed.',
      resolve: timestampOf('updated_at'),
    }),
    images: t.field({
      type: ImageConnection,
      // Nullable: a failing list (bad search, upstream fault) must not wipe its siblings.
      nullable: true,
      description: 'Its images.',
      args: listArgs,
      resolve: (s, args, ctx) =>
        listImages(ctx, { collection: 'compute_resources', id: s.foremanId }, args),
    }),
  }),
});

export const ComputeResourceConnection = defineConnection(
  'ComputeResource',
  ComputeResource,
  (row: ComputeResourceRecord) => sourceOf('ComputeResource', row),
);

builder.queryFields((t) => ({
  computeResource: t.field({
    type: ComputeResource,
    nullable: true,
    description: 'One compute resource, by global or numeric id.',
    args: {
      id: t.arg.id({
        required: true,
        description: 'A global ComputeResource id or a numeric Foreman id.',
      }),
    },
    resolve: (_root, args, ctx) =>
      loadComputeResource(ctx, parseForemanId(args.id, 'ComputeResource', 'id')),
  }),
  computeResources: t.field({
    type: ComputeResourceConnection,
    // Nullable: a failing list (bad search, upstream fault) must not wipe its siblings.
    nullable: true,
    description: 'Compute resources the caller can see (Foreman orders them by name).',
    args: listArgs,
    resolve: (_root, args, ctx) =>
      fetchList<ComputeResourceRecord>(ctx, collectionPath('compute_resources'), args),
  }),
}));
