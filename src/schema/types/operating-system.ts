import { collectionPath } from '../../foreman/paths.js';
import type { OperatingSystemRecord } from '../../foreman/records.js';
import { builder } from '../builder.js';
import { defineConnection, fetchList, listArgs } from '../connections.js';
import { notFound } from '../errors.js';
import { encodeGlobalId, parseForemanId } from '../ids.js';
import { loadOperatingSystem } from '../load.js';
import { Architecture, Node, OperatingSystem } from '../refs.js';
import { partialSource, recordFields, sourceOf } from '../sources.js';
import { ImageConnection, listImages } from './image.js';

const { field, timestamp: timestampOf } = recordFields<OperatingSystemRecord>(
  'OperatingSystem',
  (ctx) => ctx.loaders.operatingSystems,
);
/** A nullable text column. */
const nullableText = (key: keyof OperatingSystemRecord) =>
  field(key) as (...args: Parameters<ReturnType<typeof field>>) => Promise<string | null>;

OperatingSystem.implement({
  description: 'An operating system (name, version and family), as Foreman models it.',
  interfaces: [Node],
  isTypeOf: (source) => (source as { typeName?: string }).typeName === 'OperatingSystem',
  fields: (t) => ({
    foremanId: t.int({ description: "Foreman's numeric id.", resolve: (s) => s.foremanId }),
    name: t.string({
      description: 'Its name without version, e.g. `RedHat`.',
      resolve: field('name'),
    }),
    title: t.string({
      nullable: true,
      description: 'Its label: the description if set, else name and version (e.g. `RHEL 9.4`).',
      resolve: nullableText('title'),
    }),
    description: t.string({
      nullable: true,
      description: 'Free-text description.',
      resolve: nullableText('description'),
    }),
    major: t.string({
      nullable: true,
      description: 'Major version (a string in Foreman).',
      resolve: nullableText('major'),
    }),
    minor: t.string({
      nullable: true,
      description: 'Minor version (a string in Foreman).',
      resolve: nullableText('minor'),
    }),
    family: t.string({
      nullable: true,
      description: 'OS family, e.g. `Redhat`, `Debian`, `Windows`.',
      resolve: nullableText('family'),
    }),
    releaseName: t.string({
      nullable: true,
      description: 'Release code name (Debian family).',
      resolve: nullableText('release_name'),
    }),
    passwordHash: t.string({
      nullable: true,
      description: 'Root password hash algorithm, e.g. `SHA512`.',
      resolve: nullableText('password_hash'),
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
      description: 'Images of this operating system.',
      args: listArgs,
      resolve: (s, args, ctx) =>
        listImages(ctx, { collection: 'operatingsystems', id: s.foremanId }, args),
    }),
    architectures: t.field({
      type: [Architecture],
      nullable: { list: true, items: false },
      description: 'Architectures it runs on.',
      resolve: async (s, _args, ctx) => {
        const show = await ctx.loaders.operatingSystemShows.load(s.foremanId);
        if (!show)
          throw notFound('OperatingSystem', encodeGlobalId('Operatingsystem', s.foremanId));
        return show.architectures.map((arch) =>
          partialSource('Architecture', arch.id, { id: arch.id, name: arch.name }),
        );
      },
    }),
  }),
});

export const OperatingSystemConnection = defineConnection(
  'OperatingSystem',
  OperatingSystem,
  (row: OperatingSystemRecord) => sourceOf('OperatingSystem', row),
);

builder.queryFields((t) => ({
  operatingSystem: t.field({
    type: OperatingSystem,
    nullable: true,
    description: 'One operating system, by global or numeric id.',
    args: {
      id: t.arg.id({
        required: true,
        description: 'A global Operatingsystem id or a numeric Foreman id.',
      }),
    },
    resolve: (_root, args, ctx) =>
      loadOperatingSystem(ctx, parseForemanId(args.id, 'Operatingsystem', 'id')),
  }),
  operatingSystems: t.field({
    type: OperatingSystemConnection,
    // Nullable: a failing list (bad search, upstream fault) must not wipe its siblings.
    nullable: true,
    description: 'Operating systems (Foreman orders them by title unless `order` says otherwise).',
    args: listArgs,
    resolve: (_root, args, ctx) =>
      fetchList<OperatingSystemRecord>(ctx, collectionPath('operatingsystems'), args),
  }),
}));
