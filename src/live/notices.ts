import type { AuditRecord, ImageRecord } from '../foreman/records.js';

/** What happened to an image, before anyone's view of it is taken into account. */
export type ChangeAction = 'created' | 'updated' | 'deleted';

/** Where an image is (or was): the parents a subscription can filter on. */
export interface ImagePlace {
  computeResourceId?: number | undefined;
  operatingSystemId?: number | undefined;
  architectureId?: number | undefined;
}

/**
 * One change to one image, as learnt from the gateway's own write or from Foreman's audit log.
 * It says nothing a subscriber may not know until it has been checked with that subscriber's
 * credentials (see view.ts).
 */
export interface ChangeNotice {
  action: ChangeAction;
  imageId: number;
  /** Where the image was before and is after, as far as the source says. */
  places: ImagePlace[];
  /** When Foreman made the change (ISO 8601), or when the gateway learnt of it. */
  at: string;
  /** Foreman's login of whoever made it, when known. */
  by: string | null;
  /** The request id of the change as Foreman recorded it (`request_uuid`), when there is one. */
  requestId: string | null;
  source: 'gateway' | 'audit';
}

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
    source: 'audit',
  };
}

/** A write the gateway just made, as a notice: the image as it was and as it is now. */
export function noticeFromWrite(
  action: ChangeAction,
  before: ImageRecord | undefined,
  after: ImageRecord | undefined,
  facts: { by: string | null; requestId: string },
): ChangeNotice {
  const imageId = (after ?? before)?.id ?? 0;
  return {
    action,
    imageId,
    places: [before, after].filter((image) => image !== undefined).map(placeOf),
    at: new Date().toISOString(),
    by: facts.by,
    requestId: facts.requestId,
    source: 'gateway',
  };
}

export function placeOf(image: ImageRecord): ImagePlace {
  return {
    computeResourceId: image.compute_resource_id,
    operatingSystemId: image.operatingsystem_id,
    architectureId: image.architecture_id,
  };
}

function hasAny(place: ImagePlace): boolean {
  return Object.values(place).some((value) => value !== undefined);
}

/** How Rails keeps an X-Request-Id (ActionDispatch::RequestId): only [A-Za-z0-9_@-], 255 at most. */
export function railsRequestId(requestId: string): string {
  return requestId.replace(/[^A-Za-z0-9_@-]/g, '').slice(0, 255);
}

/** The login an Authorization header names (HTTP Basic's user part), for who made a change. */
export function loginOf(authorization: string | undefined): string | null {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : null;
}
