import type { AuditRecord, TaxonomyRecord } from '../records.js';
import type { DemoStore } from '../store.js';
import { renderTime } from './time.js';

/**
 * app/views/api/v2/audits/{main,base}.json.rabl plus the taxonomies' children nodes, in the key
 * order Foreman's published examples show (index and show alike). `updated_at` is listed in the
 * view, but audits have no such column, so rabl leaves it out. `user_type` is null because
 * AuditSearch redeclares `belongs_to :user` without `polymorphic`; `user_name` is the author's
 * current login (null once the user is gone); `associated_*` are null for the demo's types.
 */
export function renderAudit(store: DemoStore, audit: AuditRecord, utcOffsetMinutes: number) {
  return {
    user_id: audit.userId,
    user_type: null,
    user_name: store.accounts.byId(audit.userId)?.login ?? null,
    version: audit.version,
    comment: audit.comment,
    associated_id: null,
    associated_type: null,
    remote_address: audit.remoteAddress,
    associated_name: null,
    created_at: renderTime(audit.createdAt, utcOffsetMinutes),
    request_uuid: audit.requestUuid,
    id: audit.id,
    auditable_id: audit.auditableId,
    auditable_name: audit.auditableName,
    auditable_type: audit.auditableType,
    action: audit.action,
    audited_changes: audit.auditedChanges,
    locations: taxonomies(store.locations, audit.locationIds),
    organizations: taxonomies(store.organizations, audit.organizationIds),
  };
}

function taxonomies(list: readonly TaxonomyRecord[], ids: readonly number[]) {
  return list
    .filter((t) => ids.includes(t.id))
    .map((t) => ({ id: t.id, name: t.name, title: t.title, description: t.description }));
}
