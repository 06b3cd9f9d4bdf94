import { implementForemanType } from './foreman-type.js';

implementForemanType('computeResource', {
  description:
    'A compute resource: a hypervisor or cloud (Libvirt, VMware, EC2…) that holds images.',
  single: 'One compute resource, by global or numeric id.',
  list: 'Compute resources the caller can see (Foreman orders them by name).',
  images: 'Its images.',
  showLists: {},
  fields: (t, { field, text }) => ({
    name: t.string({ description: 'Its unique name.', resolve: field('name') }),
    provider: text('provider', 'Provider, e.g. `Libvirt`, `EC2`, `Vmware`.'),
    providerFriendlyName: text(
      'provider_friendly_name',
      'Provider as people write it, e.g. `VMware`, `oVirt`.',
    ),
    description: text('description', 'Free-text description.'),
    url: text('url', 'Its URL (for EC2, the region).'),
  }),
});
