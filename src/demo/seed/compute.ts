import type {
  ComputeAttributeRecord,
  ComputeResourceRecord,
  ComputeResourceType,
  NamedRecord,
} from '../records.js';
import { utc } from './prng.js';

export const COMPUTE_PROFILES: readonly NamedRecord[] = [
  { id: 1, name: '1-Small' },
  { id: 2, name: '2-Medium' },
  { id: 3, name: '3-Large' },
];

/** VM attributes per profile (small, medium, large), shaped like each provider's form. */
const VM_ATTRS: Record<ComputeResourceType, Array<Record<string, string>>> = {
  'Foreman::Model::Libvirt': [
    { cpus: '1', memory: '2147483648' },
    { cpus: '2', memory: '4294967296' },
    { cpus: '4', memory: '8589934592' },
  ],
  'Foreman::Model::Vmware': [
    { cpus: '1', corespersocket: '1', memory_mb: '2048', cluster: 'Prod-Cluster-01' },
    { cpus: '2', corespersocket: '1', memory_mb: '4096', cluster: 'Prod-Cluster-01' },
    { cpus: '4', corespersocket: '2', memory_mb: '16384', cluster: 'Prod-Cluster-02' },
  ],
  'Foreman::Model::EC2': [
    { flavor_id: 't3.small' },
    { flavor_id: 't3.large' },
    { flavor_id: 'm6i.xlarge' },
  ],
  'Foreman::Model::Ovirt': [
    { cores: '1', memory: '2147483648', cluster: 'Default' },
    { cores: '2', memory: '4294967296', cluster: 'Default' },
    { cores: '4', memory: '8589934592', cluster: 'Default' },
  ],
  'Foreman::Model::Openstack': [
    { flavor_ref: 'm1.small' },
    { flavor_ref: 'm1.medium' },
    { flavor_ref: 'm1.large' },
  ],
};

type CrSpec = Omit<ComputeResourceRecord, 'computeAttributes' | 'createdAt' | 'updatedAt'> & {
  profiles: number[];
  created: Date;
  updated: Date;
};

const CR_SPECS: readonly CrSpec[] = [
  {
    id: 1,
    name: 'kvm-lab',
    type: 'Foreman::Model::Libvirt',
    description: 'KVM host in the engineering lab',
    url: 'qemu+ssh://root@kvm-lab.example.com/system',
    user: null,
    password: null,
    uuid: null,
    domain: null,
    cachingEnabled: true,
    attrs: { display: 'vnc', setpw: true },
    locationIds: [2],
    organizationIds: [1],
    profiles: [1, 2],
    created: utc(2023, 2, 3, 9, 15, 0),
    updated: utc(2024, 8, 19, 16, 2, 11),
  },
  {
    id: 2,
    name: 'vcenter-prod',
    type: 'Foreman::Model::Vmware',
    description: 'Production vSphere 8 cluster',
    url: 'vcenter.example.com',
    user: 'svc-foreman@vsphere.local',
    password: 'vmware-demo-secret',
    uuid: 'Frankfurt-DC',
    domain: null,
    cachingEnabled: true,
    attrs: { display: 'vmrc', setpw: false },
    locationIds: [3],
    organizationIds: [1, 2],
    profiles: [1, 2, 3],
    created: utc(2023, 1, 20, 11, 0, 5),
    updated: utc(2025, 3, 2, 7, 45, 31),
  },
  {
    id: 3,
    name: 'aws-eu-west-1',
    type: 'Foreman::Model::EC2',
    description: 'AWS account 1234-5678-9012, Ireland',
    url: 'eu-west-1',
    user: 'AKIAIOSFODNN7EXAMPLE',
    password: 'ec2-demo-secret',
    uuid: null,
    domain: null,
    cachingEnabled: true,
    attrs: {},
    locationIds: [1],
    organizationIds: [2],
    profiles: [1, 2, 3],
    created: utc(2023, 4, 11, 13, 30, 0),
    updated: utc(2024, 11, 5, 10, 12, 9),
  },
  {
    id: 4,
    name: 'ovirt-dc1',
    type: 'Foreman::Model::Ovirt',
    description: null,
    url: 'https://ovirt-engine.example.com/ovirt-engine/api',
    user: 'admin@internal',
    password: 'ovirt-demo-secret',
    uuid: '5e1ed7a4-3b9d-11ee-a6b4-00163e4a1b2c',
    domain: null,
    cachingEnabled: true,
    attrs: {
      display: 'spice',
      ovirtQuota: '58a1d6c2-3b9d-11ee-9f2d-00163e4a1b2c',
      keyboardLayout: 'de',
    },
    locationIds: [3],
    organizationIds: [1],
    profiles: [1, 2],
    created: utc(2023, 6, 27, 8, 5, 40),
    updated: utc(2023, 6, 27, 8, 5, 40),
  },
  {
    id: 5,
    name: 'openstack-cloud',
    type: 'Foreman::Model::Openstack',
    description: 'Private OpenStack (Caracal)',
    url: 'https://keystone.example.com:5000/v3/auth/tokens',
    user: 'foreman',
    password: 'openstack-demo-secret',
    uuid: null,
    domain: 'Default',
    cachingEnabled: true,
    attrs: { tenant: 'infra', projectDomainName: 'Default', projectDomainId: 'default' },
    locationIds: [2, 3],
    organizationIds: [1],
    profiles: [1, 2, 3],
    created: utc(2023, 9, 12, 14, 22, 3),
    updated: utc(2025, 1, 30, 9, 0, 0),
  },
  {
    id: 6,
    name: 'aws-us-east-1',
    type: 'Foreman::Model::EC2',
    description: 'AWS account 1234-5678-9012, N. Virginia',
    url: 'us-east-1',
    user: 'AKIAI44QH8DHBEXAMPLE',
    password: 'ec2-demo-secret-2',
    uuid: null,
    domain: null,
    cachingEnabled: true,
    attrs: {},
    locationIds: [1],
    organizationIds: [2],
    profiles: [1],
    created: utc(2024, 2, 8, 15, 48, 19),
    updated: utc(2024, 2, 8, 15, 48, 19),
  },
  {
    id: 7,
    name: 'kvm-empty',
    type: 'Foreman::Model::Libvirt',
    description: 'Freshly added KVM host, no images yet',
    url: 'qemu+ssh://root@kvm-02.lab.example.com/system',
    user: null,
    password: null,
    uuid: null,
    domain: null,
    cachingEnabled: true,
    attrs: { display: 'spice', setpw: false },
    locationIds: [2],
    organizationIds: [1],
    profiles: [],
    created: utc(2025, 5, 6, 12, 0, 0),
    updated: utc(2025, 5, 6, 12, 0, 0),
  },
];

export function seedComputeResources(): ComputeResourceRecord[] {
  let attributeId = 0;
  return CR_SPECS.map(({ profiles, created, updated, ...record }) => {
    const computeAttributes: ComputeAttributeRecord[] = profiles.map((profileId) => {
      attributeId += 1;
      return {
        id: attributeId,
        computeProfileId: profileId,
        vmAttrs: { ...VM_ATTRS[record.type][profileId - 1] },
      };
    });
    return {
      ...record,
      attrs: { ...record.attrs },
      locationIds: [...record.locationIds],
      organizationIds: [...record.organizationIds],
      computeAttributes,
      createdAt: created,
      updatedAt: updated,
    };
  });
}
