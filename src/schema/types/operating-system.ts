import { implementForemanType } from './foreman-type.js';

implementForemanType('operatingSystem', {
  description: 'An operating system (name, version and family), as Foreman models it.',
  single: 'One operating system, by global or numeric id.',
  list: 'Operating systems (Foreman orders them by title unless `order` says otherwise).',
  images: 'Images of this operating system.',
  showLists: { architectures: 'Architectures it runs on.' },
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
  }),
});
