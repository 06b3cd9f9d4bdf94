import { implementForemanType } from './foreman-type.js';

implementForemanType('architecture', {
  description: 'A CPU architecture (x86_64, aarch64…).',
  single: 'One architecture, by global or numeric id.',
  list: 'Architectures.',
  images: 'Images built for this architecture.',
  showLists: { operatingsystems: 'Operating systems that run on it.' },
  fields: (t, { field }) => ({
    name: t.string({ description: 'Its name, e.g. `x86_64`.', resolve: field('name') }),
  }),
});
