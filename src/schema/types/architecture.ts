import { collectionPath } from '../../foreman/paths.js';
import type { ArchitectureRecord } from '../../foreman/records.js';
import { builder } from '../builder.js';
import { defineConnection, fetchList, listArgs } from '../connections.js';
import { notFound } from '../errors.js';
import { encodeGlobalId, parseForemanId } from '../ids.js';
import { loadArchitecture } from '../load.js';
import { Architecture, Node, OperatingSystem } from '../refs.js';
import { partialSource, recordFields, sourceOf } from '../sources.js';
import { ImageConnection, listImages } from './image.js';

const { field, timestamp: timestampOf } = recordFields<ArchitectureRecord>(
  'Architecture',
  (ctx) => ctx.loaders.architectures,
);

Architecture.implement({
  description: 'A CPU architecture (x86_64, aarch64…).',
  interfaces: [Node],
  isTypeOf: (source) => (source as { typeName?: string }).typeName === 'Architecture',
  fields: (t) => ({
    foremanId: t.int({ description: "Foreman's numeric id.", resolve: (s) => s.foremanId }),
    name: t.string({
      description: 'Its name, e.g. `x86_64`.',
      resolve: field('name'),
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
      description: 'Images built for this architecture.',
      args: listArgs,
      resolve: (s, args, ctx) =>
        listImages(ctx, { collection: 'architectures', id: s.foremanId }, args),
    }),
    operatingSystems: t.field({
      type: [OperatingSystem],
      nullable: { list: true, items: false },
      description: 'Operating systems that run on it.',
      resolve: async (s, _args, ctx) => {
        const show = await ctx.loaders.architectureShows.load(s.foremanId);
        if (!show) throw notFound('Architecture', encodeGlobalId('Architecture', s.foremanId));
        return show.operatingsystems.map((os) =>
          partialSource('OperatingSystem', os.id, { id: os.id, name: os.name, title: os.title }),
        );
      },
    }),
  }),
});

export const ArchitectureConnection = defineConnection(
  'Architecture',
  Architecture,
  (row: ArchitectureRecord) => sourceOf('Architecture', row),
);

builder.queryFields((t) => ({
  architecture: t.field({
    type: Architecture,
    nullable: true,
    description: 'One architecture, by global or numeric id.',
    args: {
      id: t.arg.id({
        required: true,
        description: 'A global Architecture id or a numeric Foreman id.',
      }),
    },
    resolve: (_root, args, ctx) =>
      loadArchitecture(ctx, parseForemanId(args.id, 'Architecture', 'id')),
  }),
  architectures: t.field({
    type: ArchitectureConnection,
    // Nullable: a failing list (bad search, upstream fault) must not wipe its siblings.
    nullable: true,
    description: 'Architectures.',
    args: listArgs,
    resolve: (_root, args, ctx) =>
      // Foreman leaves architectures unordered; `id` keeps pages stable.
      fetchList<ArchitectureRecord>(ctx, collectionPath('architectures'), args, 'id'),
  }),
}));
