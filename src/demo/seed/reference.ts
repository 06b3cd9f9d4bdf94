/** The small, fixed tables: architectures, taxonomies and provisioning setup. */
import type {
  ArchitectureRecord,
  NamedRecord,
  ProvisioningTemplateRecord,
  TaxonomyRecord,
} from '../records.js';
import { utc } from './prng.js';

export function seedArchitectures(): ArchitectureRecord[] {
  const names = ['x86_64', 'i386', 'aarch64', 'ppc64le', 's390x'];
  return names.map((name, index) => ({
    id: index + 1,
    name,
    createdAt: utc(2023, 1, 9, 8, index * 3, 14),
    updatedAt: utc(2023, 1, 9, 8, index * 3, 14),
  }));
}

export function seedLocations(): TaxonomyRecord[] {
  return [
    { id: 1, name: 'Default Location', title: 'Default Location', description: null },
    { id: 2, name: 'Lab', title: 'Lab', description: 'Engineering lab in building B' },
    { id: 3, name: 'Frankfurt DC', title: 'Frankfurt DC', description: 'Primary datacenter' },
  ];
}

export function seedOrganizations(): TaxonomyRecord[] {
  return [
    { id: 1, name: 'Default Organization', title: 'Default Organization', description: null },
    { id: 2, name: 'Cloud Ops', title: 'Cloud Ops', description: 'Public cloud accounts' },
  ];
}

export const MEDIA: readonly NamedRecord[] = [
  { id: 1, name: 'Red Hat CDN' },
  { id: 2, name: 'CentOS Stream mirror' },
  { id: 3, name: 'AlmaLinux mirror' },
  { id: 4, name: 'Debian mirror' },
  { id: 5, name: 'Ubuntu mirror' },
  { id: 6, name: 'SUSE mirror' },
];

export const PTABLES: readonly NamedRecord[] = [
  { id: 1, name: 'Kickstart default' },
  { id: 2, name: 'Kickstart default thin' },
  { id: 3, name: 'Preseed default' },
  { id: 4, name: 'AutoYaST entire SCSI disk' },
  { id: 5, name: 'Windows default GPT EFI' },
];

export const TEMPLATE_KINDS: readonly NamedRecord[] = [
  { id: 1, name: 'provision' },
  { id: 2, name: 'PXELinux' },
  { id: 3, name: 'user_data' },
  { id: 4, name: 'finish' },
];

export const PROVISIONING_TEMPLATES: readonly ProvisioningTemplateRecord[] = [
  { id: 1, name: 'Kickstart default', templateKindId: 1 },
  { id: 2, name: 'Kickstart default PXELinux', templateKindId: 2 },
  { id: 3, name: 'CloudInit default', templateKindId: 3 },
  { id: 4, name: 'Preseed default', templateKindId: 1 },
  { id: 5, name: 'Preseed default PXELinux', templateKindId: 2 },
  { id: 6, name: 'Preseed default finish', templateKindId: 4 },
  { id: 7, name: 'AutoYaST default', templateKindId: 1 },
  { id: 8, name: 'AutoYaST default PXELinux', templateKindId: 2 },
  { id: 9, name: 'Windows default provision', templateKindId: 1 },
  { id: 10, name: 'Windows default finish', templateKindId: 4 },
];
