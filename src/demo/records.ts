/**
 * Rows of the demo's in-memory database. Field names are camelCase versions of Foreman's
 * columns; association tables are folded into id arrays.
 */

export interface ArchitectureRecord {
  id: number;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An operating system parameter (`os_parameters`), rendered in OS show. */
export interface OsParameterRecord {
  id: number;
  name: string;
  parameterType: 'string' | 'boolean' | 'integer';
  hiddenValue: boolean;
  value: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface OsDefaultTemplateRecord {
  id: number;
  templateKindId: number;
  provisioningTemplateId: number;
}

export interface OperatingsystemRecord {
  id: number;
  name: string;
  major: string;
  minor: string;
  description: string | null;
  /** The STI `type` column, e.g. 'Redhat'; shown as `family`. */
  family: string | null;
  releaseName: string | null;
  passwordHash: string | null;
  /** Stored like Foreman's `title` column: to_label, i.e. description or "name major.minor". */
  title: string;
  architectureIds: number[];
  mediumIds: number[];
  ptableIds: number[];
  provisioningTemplateIds: number[];
  osDefaultTemplates: OsDefaultTemplateRecord[];
  parameters: OsParameterRecord[];
  createdAt: Date;
  updatedAt: Date;
}

export type ComputeResourceType =
  | 'Foreman::Model::Libvirt'
  | 'Foreman::Model::Vmware'
  | 'Foreman::Model::EC2'
  | 'Foreman::Model::Ovirt'
  | 'Foreman::Model::Openstack';

/** The YAML-serialized `attrs` column: provider settings without a column of their own. */
export interface ComputeResourceAttrs {
  display?: string;
  setpw?: boolean;
  tenant?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  ovirtQuota?: string;
  keyboardLayout?: string;
}

export interface ComputeAttributeRecord {
  id: number;
  computeProfileId: number;
  vmAttrs: Record<string, string>;
}

export interface ComputeResourceRecord {
  id: number;
  name: string;
  type: ComputeResourceType;
  description: string | null;
  url: string;
  user: string | null;
  /** Encrypted in Foreman and never rendered. */
  password: string | null;
  /** Provider-side id: the datacenter for VMware and oVirt. */
  uuid: string | null;
  domain: string | null;
  cachingEnabled: boolean;
  attrs: ComputeResourceAttrs;
  locationIds: number[];
  organizationIds: number[];
  computeAttributes: ComputeAttributeRecord[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ImageRecord {
  id: number;
  name: string;
  uuid: string;
  username: string;
  /** Plain text in Foreman's DB; only the raw DELETE body shows it. */
  password: string | null;
  userData: boolean | null;
  iamRole: string | null;
  operatingsystemId: number;
  computeResourceId: number;
  architectureId: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface TaxonomyRecord {
  id: number;
  name: string;
  title: string;
  description: string | null;
}

export interface NamedRecord {
  id: number;
  name: string;
}

export interface ProvisioningTemplateRecord {
  id: number;
  name: string;
  templateKindId: number;
}

/** A value as audited serializes it: a column value, an id list, or an [old, new] pair. */
export type AuditedValue = string | number | boolean | null | AuditedValue[];

/** The auditable types the demo writes: STI base class names, as audited stores them. */
export type AuditableType = 'Image' | 'ComputeResource' | 'Architecture' | 'Operatingsystem';

/** A row of the `audits` table (collectiveidea/audited with Foreman's AuditExtensions). */
export interface AuditRecord {
  /** From the audits sequence, which every audited type shares. */
  id: number;
  auditableId: number;
  auditableType: AuditableType;
  /** The record's label before the change. */
  auditableName: string | null;
  action: 'create' | 'update' | 'destroy';
  /**
   * Every audited column (create, destroy) or the changed ones as [old, new] (update), in table
   * order, passwords and encrypted values already "[redacted]".
   */
  auditedChanges: Record<string, AuditedValue>;
  /** 1 on create, then the record's highest version + 1. */
  version: number;
  userId: number | null;
  /** User#to_label of the author when written; searchable, never rendered. */
  username: string | null;
  comment: string | null;
  remoteAddress: string | null;
  requestUuid: string;
  /** Copied from the audited record (compute resources have them; images do not). */
  locationIds: number[];
  organizationIds: number[];
  createdAt: Date;
}

/** The whole demo database. */
export interface DemoData {
  architectures: ArchitectureRecord[];
  operatingsystems: OperatingsystemRecord[];
  computeResources: ComputeResourceRecord[];
  images: ImageRecord[];
  locations: TaxonomyRecord[];
  organizations: TaxonomyRecord[];
  media: NamedRecord[];
  ptables: NamedRecord[];
  templateKinds: NamedRecord[];
  provisioningTemplates: ProvisioningTemplateRecord[];
  computeProfiles: NamedRecord[];
  audits: AuditRecord[];
}
