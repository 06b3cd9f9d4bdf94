import type { ComputeResourceRecord, ComputeResourceType } from './records.js';

/** Per-provider facts from app/models/compute_resources/foreman/model/*.rb. */
export interface ProviderInfo {
  /** The last segment of the STI type. */
  provider: string;
  friendlyName: string;
  userDataSupported: boolean;
  /**
   * ComputeResource#image_exists?, checked on every image save. EC2 and oVirt ask the provider;
   * the demo cannot, so it applies a documented DEMO RULE instead: on EC2 an image exists when
   * its uuid looks like an AMI id, on oVirt when it looks like an RFC 4122 UUID. Libvirt, VMware
   * and OpenStack do not check at all, as in Foreman.
   */
  imageExists(uuid: string | null): boolean;
  /** The provider partial merged into compute resource JSON (`<provider>.json.rabl`). */
  partial(cr: ComputeResourceRecord): Record<string, unknown>;
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const RFC_4122 = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PROVIDERS: Record<ComputeResourceType, ProviderInfo> = {
  'Foreman::Model::Libvirt': {
    provider: 'Libvirt',
    friendlyName: 'Libvirt',
    userDataSupported: false,
    imageExists: () => true,
    partial: (cr) => ({
      display_type: cr.attrs.display ?? 'vnc',
      set_console_password: cr.attrs.setpw ?? true,
    }),
  },
  'Foreman::Model::Vmware': {
    provider: 'Vmware',
    friendlyName: 'VMware',
    userDataSupported: true,
    imageExists: () => true,
    partial: (cr) => ({
      user: cr.user,
      datacenter: cr.uuid,
      server: cr.url,
      set_console_password: cr.attrs.setpw ?? true,
      caching_enabled: cr.cachingEnabled,
      display_type: cr.attrs.display ?? 'vmrc',
    }),
  },
  'Foreman::Model::EC2': {
    provider: 'EC2',
    friendlyName: 'EC2',
    userDataSupported: true,
    imageExists: (uuid) => uuid !== null && AMI_ID.test(uuid),
    partial: (cr) => ({ access_key: cr.user, region: cr.url }),
  },
  'Foreman::Model::Ovirt': {
    provider: 'Ovirt',
    friendlyName: 'oVirt',
    userDataSupported: true,
    imageExists: (uuid) => uuid !== null && RFC_4122.test(uuid),
    // use_v4 is listed in ovirt.json.rabl but no longer defined on the model, so it is absent.
    partial: (cr) => ({
      user: cr.user,
      datacenter: cr.uuid,
      ovirt_quota: cr.attrs.ovirtQuota ?? null,
      display_type: cr.attrs.display ?? 'vnc',
      keyboard_layout: cr.attrs.keyboardLayout ?? 'en-us',
    }),
  },
  'Foreman::Model::Openstack': {
    provider: 'Openstack',
    friendlyName: 'OpenStack',
    userDataSupported: true,
    imageExists: () => true,
    partial: (cr) => ({
      user: cr.user,
      tenant: cr.attrs.tenant ?? null,
      domain: cr.domain,
      project_domain_name: cr.attrs.projectDomainName ?? null,
      project_domain_id: cr.attrs.projectDomainId ?? null,
    }),
  },
};

export function providerOf(cr: ComputeResourceRecord): ProviderInfo {
  return PROVIDERS[cr.type];
}

/**
 * ComputeResource#to_label, what audits record as the auditable name: "name (Provider)", and
 * for EC2 "name (region-EC2)" (Foreman::Model::EC2#to_label; the region is the url column).
 */
export function computeResourceLabel(cr: ComputeResourceRecord): string {
  const { friendlyName } = providerOf(cr);
  if (cr.type === 'Foreman::Model::EC2') return `${cr.name} (${cr.url}-${friendlyName})`;
  return `${cr.name} (${friendlyName})`;
}
