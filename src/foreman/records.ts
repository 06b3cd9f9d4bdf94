/**
 * Records as Foreman API v2 renders them (snake_case, from its rabl views). Only the fields the
 * gateway reads are typed; Foreman may send more. Conditional image fields are absent, not null.
 */

/** The envelope of every index response. */
export interface IndexEnvelope<T> {
  total: number;
  subtotal: number;
  page: number;
  per_page: number;
  search: string | null;
  results: T[];
}

/** `{ id, name }` children in show responses. */
export interface NamedRef {
  id: number;
  name: string;
}

export interface ImageRecord {
  id: number;
  name: string;
  uuid: string;
  username: string;
  operatingsystem_id: number;
  /** The operating system's to_label, i.e. its title. */
  operatingsystem_name: string | null;
  compute_resource_id: number;
  compute_resource_name: string | null;
  architecture_id: number;
  architecture_name: string | null;
  created_at: string | null;
  updated_at: string | null;
  /** Present only where the compute resource supports user data. */
  user_data?: boolean;
  /** Present only on EC2 compute resources. */
  iam_role?: string | null;
}

export interface ArchitectureRecord {
  id: number;
  name: string;
  created_at: string | null;
  updated_at: string | null;
}

export interface ArchitectureShowRecord extends ArchitectureRecord {
  operatingsystems: Array<NamedRef & { title: string | null }>;
  images: NamedRef[];
}

export interface OperatingSystemRecord {
  id: number;
  name: string;
  title: string | null;
  description: string | null;
  major: string | null;
  minor: string | null;
  family: string | null;
  release_name: string | null;
  password_hash: string | null;
  created_at: string | null;
  updated_at: string | null;
}

export interface OperatingSystemShowRecord extends OperatingSystemRecord {
  architectures: NamedRef[];
  images: NamedRef[];
}

export interface ComputeResourceRecord {
  id: number;
  name: string;
  provider: string | null;
  provider_friendly_name: string | null;
  description: string | null;
  url: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/**
 * What Foreman renders for each resource of the table in resources.ts: an index row, and the show
 * response (which adds child lists). A new resource adds its record types above and one line here.
 */
export interface ForemanRecords {
  architecture: { row: ArchitectureRecord; show: ArchitectureShowRecord };
  operatingSystem: { row: OperatingSystemRecord; show: OperatingSystemShowRecord };
  computeResource: { row: ComputeResourceRecord; show: ComputeResourceRecord };
  image: { row: ImageRecord; show: ImageRecord };
  audit: { row: AuditRecord; show: AuditRecord };
}

export type ResourceName = keyof ForemanRecords;
export type RowOf<R extends ResourceName> = ForemanRecords[R]['row'];
export type ShowOf<R extends ResourceName> = ForemanRecords[R]['show'];

/** Query parameters of an index request. Never `*_id` parameters on image routes. */
export interface ListParams {
  page: number;
  perPage: number | 'all';
  search?: string | undefined;
  order?: string | undefined;
}

/** A value in an audit's `audited_changes`: the column's value, or `[old, new]` on update. */
export type AuditedValue = string | number | boolean | null | AuditedValue[];

/** One row of `GET /api/audits` (app/views/api/v2/audits/main.json.rabl), as far as it is read. */
export interface AuditRecord {
  id: number;
  auditable_id: number;
  auditable_type: string;
  action: 'create' | 'update' | 'destroy';
  /** create/destroy: every audited column; update: the changed ones as `[old, new]`. */
  audited_changes: Record<string, AuditedValue>;
  version: number;
  /** The request's X-Request-Id as Rails kept it, or a UUID Foreman made up. */
  request_uuid: string | null;
  /** The author's login; null once the user is gone. */
  user_name: string | null;
  created_at: string | null;
}
