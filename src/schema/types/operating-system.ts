import { notFound } from '../errors.js';
import { encodeGlobalId } from '../ids.js';
import { loadOperatingSystem } from '../load.js';
import { Architecture, OperatingSystem } from '../refs.js';
import { partialSource } from '../sources.js';
import { implementForemanType } from './foreman-type.js';

implementForemanType({
  ref: OperatingSystem,
  typeName: 'OperatingSystem',
  foremanTypeName: 'Operatingsystem',
  collection: 'operatingsystems',
  description: 'An operating system (name, version and family), as Foreman models it.',
  loaderOf: (ctx) => ctx.loaders.operatingSystems,
  load: loadOperatingSystem,
  single: {
    name: 'operatingSystem',
    description: 'One operating system, by global or numeric id.',
  },
  list: {
    name: 'operatingSystems',
    description: 'Operating systems (Foreman orders them by title unless `order` says otherwise).',
  },
  imagesDescription: 'Images of this operating system.',
  fields: (t, { field, text }) => ({
    name: t.string({
      description: 'Its name without version, e.g. `RedHat`.',
      resolve: field('name'),
    }),
    title: text(
      'title',
      'Its label: the description if set, else name and version (e.g. `RHEL 9.4`).',
    ),
    description: text('description', 'Free-text description.'),
    major: text('major', 'Major version (a string in Foreman).'),
    minor: text('minor', 'Minor version (a string in Foreman).'),
    family: text('family', 'OS family, e.g. `Redhat`, `Debian`, `Windows`.'),
    releaseName: text('release_name', 'Release code name (Debian family).'),
    passwordHash: text('password_hash', 'Root password hash algorithm, e.g. `SHA512`.'),
    architectures: t.field({
      type: [Architecture],
      nullable: { list: true, items: false },
      description: 'Architectures it runs on.',
      resolve: async (s, _args, ctx) => {
        const show = await ctx.loaders.operatingSystemShows.load(s.foremanId);
        if (!show) {
          throw notFound('OperatingSystem', encodeGlobalId('Operatingsystem', s.foremanId));
        }
        return show.architectures.map((arch) =>
          partialSource('Architecture', arch.id, { id: arch.id, name: arch.name }),
        );
      },
    }),
  }),
});
