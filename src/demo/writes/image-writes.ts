import {
  type AuditAuthor,
  buildAudit,
  changedValues,
  imageAuditedValues,
} from '../audits/auditor.js';
import type { ImageDraft } from '../handlers/image-params.js';
import { foreignKeyViolationOf } from '../handlers/image-validation.js';
import type { AuditRecord, ImageRecord } from '../records.js';
import type { DemoStore } from '../store.js';

/**
 * One image write inside its transaction: the rows are built (ids taken from the sequences) but
 * nothing is visible until commit(), which makes the image change and its audit visible
 * together. Requests commit at once; the simulated Foreman UI can hold a transaction open.
 */
export interface ImageWrite {
  /** The image after the write; for a destroy, the row as it was deleted. */
  readonly image: ImageRecord;
  /** The audit row written with it; null for an update that changed no audited column. */
  readonly audit: AuditRecord | null;
  commit(): void;
}

type ImageColumns = Omit<ImageRecord, 'id' | 'createdAt' | 'updatedAt'>;

/**
 * INSERT, then audited's after_create audit. The INSERT takes an image id first, so a foreign
 * key violation still uses one up, and no audit is written.
 */
export function prepareImageCreate(
  store: DemoStore,
  draft: ImageDraft,
  author: AuditAuthor,
  at: Date,
  ownUncommitted: readonly AuditRecord[] = [],
): ImageWrite {
  const columns = complete(draft);
  const id = store.reserveImageId();
  const violation = foreignKeyViolationOf(store, draft, null);
  if (violation) throw violation;
  const image: ImageRecord = { id, ...columns, createdAt: at, updatedAt: at };
  const audit = buildAudit(
    store,
    {
      type: 'Image',
      auditableId: id,
      auditableName: image.name,
      action: 'create',
      changes: imageAuditedValues(columns),
      author,
      at,
    },
    ownUncommitted,
  );
  return {
    image,
    audit,
    commit: () => {
      store.insertImage({ ...columns, createdAt: at, updatedAt: at }, id);
      store.commitAudit(audit);
    },
  };
}

/**
 * audited's before_update audit, then the UPDATE: the audit takes its id first, so a foreign key
 * violation burns an audit id. Nothing changed means no audit and no new updated_at.
 */
export function prepareImageUpdate(
  store: DemoStore,
  image: ImageRecord,
  draft: ImageDraft,
  author: AuditAuthor,
  at: Date,
  ownUncommitted: readonly AuditRecord[] = [],
): ImageWrite {
  const { id, createdAt, updatedAt, ...before } = image;
  const after = complete(draft);
  const changes = changedValues(imageAuditedValues(before), imageAuditedValues(after));
  const changed = Object.keys(changes).length > 0;
  const audit = changed
    ? buildAudit(
        store,
        {
          type: 'Image',
          auditableId: id,
          // Reloaded from the database: the name before this change.
          auditableName: image.name,
          action: 'update',
          changes,
          author,
          at,
        },
        ownUncommitted,
      )
    : null;
  const violation = foreignKeyViolationOf(store, draft, before);
  if (violation) throw violation;
  const updated: ImageRecord = { id, ...after, createdAt, updatedAt: changed ? at : updatedAt };
  return {
    image: updated,
    audit,
    commit: () => {
      requireImage(store, id);
      store.replaceImage(updated);
      if (audit) store.commitAudit(audit);
    },
  };
}

/** audited's before_destroy audit (every audited column as it was), then the DELETE. */
export function prepareImageDestroy(
  store: DemoStore,
  image: ImageRecord,
  author: AuditAuthor,
  at: Date,
  ownUncommitted: readonly AuditRecord[] = [],
): ImageWrite {
  const { id, createdAt: _created, updatedAt: _updated, ...columns } = image;
  const audit = buildAudit(
    store,
    {
      type: 'Image',
      auditableId: id,
      auditableName: image.name,
      action: 'destroy',
      changes: imageAuditedValues(columns),
      author,
      at,
    },
    ownUncommitted,
  );
  return {
    image,
    audit,
    commit: () => {
      requireImage(store, id);
      store.deleteImage(id);
      store.commitAudit(audit);
    },
  };
}

function requireImage(store: DemoStore, id: number): void {
  if (!store.image(id)) throw new Error(`image ${id} is gone: it was deleted before this commit`);
}

/** Validation guarantees these; the check keeps the types honest. */
function complete(draft: ImageDraft): ImageColumns {
  const { name, uuid, username, operatingsystemId, computeResourceId, architectureId } = draft;
  if (
    name === null ||
    uuid === null ||
    username === null ||
    operatingsystemId === null ||
    computeResourceId === null ||
    architectureId === null
  ) {
    throw new Error('image draft saved without passing validation');
  }
  return { ...draft, name, uuid, username, operatingsystemId, computeResourceId, architectureId };
}
