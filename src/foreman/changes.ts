import type { AuditedValue, AuditRecord, ImageRecord } from './records.js';

/**
 * Changes to images, as the Foreman API layer knows them: the writes a request makes through
 * ForemanApi (announced as events), what a subscriber is told of a change, and what an audit row
 * says was changed (an image's history, and changes made elsewhere). Live changes (src/live) and
 * the schema both speak these types; neither imports the other.
 */

/** What happened to an image, before anyone's view of it is taken into account. */
export type ChangeAction = 'created' | 'updated' | 'deleted';

/** The change an audit row records, by its `action`. */
export const AUDIT_ACTIONS: Readonly<Record<AuditRecord['action'], ChangeAction>> = {
  create: 'created',
  update: 'updated',
  destroy: 'deleted',
};

/** Where an image is (or was): the parents a subscription can filter on. */
export interface ImagePlace {
  computeResourceId?: number | undefined;
  operatingSystemId?: number | undefined;
  architectureId?: number | undefined;
}

/** One attribute an image change touched, with its value before and after (null: none). */
export interface AttributeChange {
  /** Foreman's attribute name (`name`, `architecture_id`…). */
  attribute: string;
  before: AttributeValue;
  after: AttributeValue;
}

export type AttributeValue = string | number | boolean | null;

/**
 * One change to one image, as learnt from the gateway's own write or from Foreman's audit log.
 * It says nothing a subscriber may not know until it has been checked with that subscriber's
 * credentials (src/live/view.ts).
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
  /** The audited attributes it changed (passwords never included). */
  changes: AttributeChange[];
  source: 'gateway' | 'audit';
}

/** A change as one subscriber may see it. */
export interface ImageChangeEvent extends ChangeNotice {
  /** The image as this subscriber may see it now; null when deleted or no longer visible. */
  image: ImageRecord | null;
}

/** An image write one request made through ForemanApi, as it announces it. */
export interface ImageWrite {
  action: ChangeAction;
  /** The image as it was (update, delete) and as it is now (create, update). */
  before: ImageRecord | undefined;
  after: ImageRecord | undefined;
  /** Whether a new password was sent (Foreman audits it, redacted; the records never carry it). */
  passwordSent: boolean;
  /** The writer's Foreman login, when its credential names one. */
  by: string | null;
  /** The request id Foreman records in the write's audit row (`request_uuid`). */
  requestId: string;
}

export function placeOf(image: ImageRecord): ImagePlace {
  return {
    computeResourceId: image.compute_resource_id,
    operatingSystemId: image.operatingsystem_id,
    architectureId: image.architecture_id,
  };
}

/** How Rails keeps an X-Request-Id (ActionDispatch::RequestId): only [A-Za-z0-9_@-], 255 at most. */
export function railsRequestId(requestId: string): string {
  return requestId.replace(/[^A-Za-z0-9_@-]/g, '').slice(0, 255);
}

/** Image columns Foreman audits (`audited`, no options), password aside, as the records name them. */
export const AUDITED_IMAGE_COLUMNS = [
  'name',
  'uuid',
  'username',
  'user_data',
  'iam_role',
  'architecture_id',
  'operatingsystem_id',
  'compute_resource_id',
] as const satisfies ReadonlyArray<keyof ImageRecord>;

/** What a write changed, column by column, as Foreman's audit row would record it. */
export function changesOfWrite(write: Pick<ImageWrite, 'before' | 'after'>): AttributeChange[] {
  const { before, after } = write;
  return AUDITED_IMAGE_COLUMNS.flatMap((attribute) => {
    const old = before ? auditedValue(before[attribute]) : null;
    const now = after ? auditedValue(after[attribute]) : null;
    if (before && after && old === now) return [];
    if (!before && now === null) return [];
    if (!after && old === null) return [];
    return [{ attribute, before: old, after: now }];
  });
}

function auditedValue(value: unknown): AttributeValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? value
    : null;
}

/**
 * The attributes an audit row records as changed, with their values before and after, in the
 * row's order. Foreman redacts passwords (`[redacted]`) and encrypted values (`encrypted-…`):
 * such attributes are left out altogether, so nothing about a secret is shown. A create or
 * destroy row lists every audited column, empty ones too: an empty one changed nothing and is
 * left out, as a write's own changes leave it out (changesOfWrite).
 */
export function auditedChanges(
  audit: Pick<AuditRecord, 'action' | 'audited_changes'>,
): AttributeChange[] {
  const recordedChanges = audit.audited_changes;
  if (typeof recordedChanges !== 'object' || recordedChanges === null) return [];
  if (Array.isArray(recordedChanges)) return [];
  const changes: AttributeChange[] = [];
  for (const [attribute, recorded] of Object.entries(recordedChanges)) {
    if (attribute === 'password') continue;
    const [before, after] =
      audit.action === 'update' && Array.isArray(recorded)
        ? [recorded[0], recorded[1]]
        : audit.action === 'destroy'
          ? [recorded, null]
          : [null, recorded];
    if (isSecret(before) || isSecret(after)) continue;
    const change = { attribute, before: scalar(before), after: scalar(after) };
    if (change.before !== change.after) changes.push(change);
  }
  return changes;
}

function isSecret(value: AuditedValue | undefined): boolean {
  return typeof value === 'string' && (value === '[redacted]' || value.startsWith('encrypted-'));
}

function scalar(value: AuditedValue | undefined): AttributeValue {
  return value === undefined || Array.isArray(value) ? null : value;
}
