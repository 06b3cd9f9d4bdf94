import {
  type AttributeChange,
  type AttributeValue,
  type ChangeAction,
  type ChangeNotice,
  changesOfWrite,
  type ImagePlace,
  type ImageWrite,
  placeOf,
} from '../foreman/changes.js';
import type { AuditedValue, AuditRecord } from '../foreman/records.js';

export type { ChangeAction, ChangeNotice, ImagePlace } from '../foreman/changes.js';

const ACTIONS: Record<AuditRecord['action'], ChangeAction> = {
  create: 'created',
  update: 'updated',
  destroy: 'deleted',
};

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
    action: ACTIONS[audit.action],
    imageId: audit.auditable_id,
    places,
    at: at ?? new Date().toISOString(),
    by: audit.user_name,
    requestId: audit.request_uuid,
    changes: auditedChanges(audit),
    source: 'audit',
  };
}

/**
 * The attributes an audit row records as changed, with their values before and after. Foreman
 * redacts passwords (`[redacted]`) and encrypted values (`encrypted-…`): such attributes are
 * left out altogether, so nothing about a secret is shown.
 */
export function auditedChanges(audit: Pick<AuditRecord, 'action' | 'audited_changes'>) {
  const changes: AttributeChange[] = [];
  for (const [attribute, recorded] of Object.entries(audit.audited_changes ?? {})) {
    if (attribute === 'password') continue;
    const [before, after] =
      audit.action === 'update' && Array.isArray(recorded)
        ? [recorded[0], recorded[1]]
        : audit.action === 'destroy'
          ? [recorded, null]
          : [null, recorded];
    if (isSecret(before) || isSecret(after)) continue;
    changes.push({ attribute, before: scalar(before), after: scalar(after) });
  }
  return changes;
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

function isSecret(value: AuditedValue | undefined): boolean {
  return typeof value === 'string' && (value === '[redacted]' || value.startsWith('encrypted-'));
}

function scalar(value: AuditedValue | undefined): AttributeValue {
  return value === undefined || Array.isArray(value) ? null : value;
}

function hasAny(place: ImagePlace): boolean {
  return Object.values(place).some((value) => value !== undefined);
}
