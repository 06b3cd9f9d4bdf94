import {
  AUDIT_ACTIONS,
  auditedChanges,
  type ChangeNotice,
  changesOfWrite,
  type ImagePlace,
  type ImageWrite,
  placeOf,
} from '../foreman/changes.js';
import type { AuditRecord } from '../foreman/records.js';

export type { ChangeAction, ChangeNotice, ImagePlace } from '../foreman/changes.js';

/**
 * An image audit row as a notice. Create and destroy rows hold every audited column; an update
 * row only the changed ones, as `[old, new]`, so it places the image only where a parent changed.
 */
export function noticeFromAudit(audit: AuditRecord, at: string | null): ChangeNotice {
  const changes = audit.audited_changes ?? {};
  const column = (name: string, side: 0 | 1): number | undefined => {
    const value = changes[name];
    const chosen = Array.isArray(value) ? value[side] : value;
    return typeof chosen === 'number' ? chosen : undefined;
  };
  const place = (side: 0 | 1): ImagePlace => ({
    computeResourceId: column('compute_resource_id', side),
    operatingSystemId: column('operatingsystem_id', side),
    architectureId: column('architecture_id', side),
  });
  const places = audit.action === 'update' ? [place(0), place(1)].filter(hasAny) : [place(0)];
  return {
    action: AUDIT_ACTIONS[audit.action],
    imageId: audit.auditable_id,
    places,
    at: at ?? new Date().toISOString(),
    by: audit.user_name,
    requestId: audit.request_uuid,
    changes: auditedChanges(audit),
    source: 'audit',
  };
}

/** A write the gateway just made, as a notice: the image as it was and as it is now. */
export function noticeFromWrite(write: ImageWrite): ChangeNotice {
  const { action, before, after } = write;
  return {
    action,
    imageId: (after ?? before)?.id ?? 0,
    places: [before, after].filter((image) => image !== undefined).map(placeOf),
    at: new Date().toISOString(),
    by: write.by,
    requestId: write.requestId,
    changes: changesOfWrite(write),
    source: 'gateway',
  };
}

function hasAny(place: ImagePlace): boolean {
  return Object.values(place).some((value) => value !== undefined);
}
