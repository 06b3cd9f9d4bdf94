import type {
  AuditableType,
  AuditedValue,
  AuditRecord,
  ComputeResourceRecord,
  ImageRecord,
  OperatingsystemRecord,
} from '../records.js';
import type { DemoAccount } from '../users.js';

/** Who changed something, from where, in which request (audited's Sweeper store). */
export interface AuditAuthor {
  account: DemoAccount;
  /** request.remote_ip; null outside a request. */
  remoteAddress: string | null;
  /** request.uuid; every row one request writes shares it. */
  requestUuid: string;
}

export interface AuditFacts {
  type: AuditableType;
  auditableId: number;
  auditableName: string | null;
  action: AuditRecord['action'];
  /** Unredacted: column → value, or column → [old, new] for an update. */
  changes: Record<string, AuditedValue>;
  author: AuditAuthor;
  at: Date;
  locationIds?: number[];
  organizationIds?: number[];
}

/** Where audits are kept: the rows committed so far, and the audits id sequence. */
export interface AuditLog {
  readonly audits: readonly AuditRecord[];
  reserveAuditId(): number;
}

/** AuditExtensions::REDACTED, lower case unlike audited's own "[REDACTED]". */
export const REDACTED = '[redacted]';

/**
 * Builds the audit row an INSERT would write, taking its id from the audits sequence now.
 * `version` is 1 on create, else the highest committed version of the record + 1 (plus rows the
 * same transaction already wrote, passed as `ownUncommitted`): audited reads it before the row
 * lock, from what it can see.
 */
export function buildAudit(
  store: AuditLog,
  facts: AuditFacts,
  ownUncommitted: readonly AuditRecord[] = [],
): AuditRecord {
  const versions = [...store.audits, ...ownUncommitted]
    .filter((a) => a.auditableType === facts.type && a.auditableId === facts.auditableId)
    .map((a) => a.version);
  return {
    id: store.reserveAuditId(),
    auditableId: facts.auditableId,
    auditableType: facts.type,
    auditableName: facts.auditableName,
    action: facts.action,
    auditedChanges: redact(facts.changes, facts.action),
    version: facts.action === 'create' ? 1 : Math.max(0, ...versions) + 1,
    userId: facts.author.account.id,
    username: facts.author.account.fullName,
    comment: null,
    remoteAddress: facts.author.remoteAddress,
    requestUuid: facts.author.requestUuid,
    locationIds: facts.locationIds ?? [],
    organizationIds: facts.organizationIds ?? [],
    createdAt: facts.at,
  };
}

/** Image's audited columns (`audited` without options: all but id and timestamps), table order. */
export function imageAuditedValues(image: Omit<ImageRecord, 'id' | 'createdAt' | 'updatedAt'>) {
  return {
    operatingsystem_id: image.operatingsystemId,
    compute_resource_id: image.computeResourceId,
    architecture_id: image.architectureId,
    uuid: image.uuid,
    username: image.username,
    name: image.name,
    iam_role: image.iamRole,
    user_data: image.userData,
    password: image.password,
  } satisfies Record<string, AuditedValue>;
}

/**
 * ComputeResource's audited columns (`audited :except => [:attrs]`, STI type left out) plus
 * Taxonomix's audited associations, in table order.
 */
export function computeResourceAuditedValues(cr: ComputeResourceRecord) {
  return {
    name: cr.name,
    description: cr.description,
    url: cr.url,
    user: cr.user,
    password: cr.password,
    uuid: cr.uuid,
    caching_enabled: cr.cachingEnabled,
    domain: cr.domain,
    http_proxy_id: null,
    organization_ids: [...cr.organizationIds],
    location_ids: [...cr.locationIds],
  } satisfies Record<string, AuditedValue>;
}

/** Operatingsystem's audited columns in table order (nameindicator is unused, always nil). */
export function operatingsystemAuditedValues(os: OperatingsystemRecord) {
  return {
    major: os.major,
    name: os.name,
    minor: os.minor,
    nameindicator: null,
    release_name: os.releaseName,
    type: os.family,
    description: os.description,
    password_hash: os.passwordHash,
    title: os.title,
  } satisfies Record<string, AuditedValue>;
}

/** audited's changes_to_save over the audited columns: [old, new] for those that differ. */
export function changedValues(
  before: Record<string, AuditedValue>,
  after: Record<string, AuditedValue>,
): Record<string, AuditedValue> {
  const changes: Record<string, AuditedValue> = {};
  for (const [column, value] of Object.entries(after)) {
    const old = before[column] ?? null;
    if (JSON.stringify(old) !== JSON.stringify(value)) changes[column] = [old, value];
  }
  return changes;
}

/**
 * AuditExtensions' before_save filters, in order: filter_encrypted turns any value starting with
 * "encrypted-" into "[redacted]", then filter_passwords replaces a `password` key whatever its
 * value, nil included.
 */
function redact(
  changes: Record<string, AuditedValue>,
  action: AuditRecord['action'],
): Record<string, AuditedValue> {
  const redacted: Record<string, AuditedValue> = {};
  for (const [column, value] of Object.entries(changes)) redacted[column] = filterEncrypted(value);
  if (Object.hasOwn(redacted, 'password')) {
    redacted.password = action === 'update' ? [REDACTED, REDACTED] : REDACTED;
  }
  return redacted;
}

function filterEncrypted(value: AuditedValue): AuditedValue {
  const encrypted = (v: AuditedValue) => typeof v === 'string' && v.startsWith('encrypted-');
  if (Array.isArray(value)) return value.map((v) => (encrypted(v) ? REDACTED : v));
  return encrypted(value) ? REDACTED : value;
}
