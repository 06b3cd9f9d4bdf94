import { notFound } from '../errors.js';
import { encodeGlobalId } from '../ids.js';
import { loadArchitecture } from '../load.js';
import { Architecture, OperatingSystem } from '../refs.js';
import { partialSource } from '../sources.js';
import { implementForemanType } from './foreman-type.js';

implementForemanType({
  ref: Architecture,
  typeName: 'Architecture',
  foremanTypeName: 'Architecture',
  collection: 'architectures',
  description: 'A CPU architecture (x86_64, aarch64…).',
  loaderOf: (ctx) => ctx.loaders.architectures,
  load: loadArchitecture,
  single: { name: 'architecture', description: 'One architecture, by global or numeric id.' },
  // Foreman leaves architectures unordered; `id` keeps pages stable.
  list: { name: 'architectures', description: 'Architectures.', defaultOrder: 'id' },
  imagesDescription: 'Images built for this architecture.',
  fields: (t, { field }) => ({
    name: t.string({ description: 'Its name, e.g. `x86_64`.', resolve: field('name') }),
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
