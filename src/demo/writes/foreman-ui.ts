import { randomUUID } from 'node:crypto';
import type { AuditAuthor } from '../audits/auditor.js';
import type { ImageDraft } from '../handlers/image-params.js';
import { stripChanged, validateImage } from '../handlers/image-validation.js';
import type {
  ArchitectureRecord,
  AuditRecord,
  ComputeResourceRecord,
  ImageRecord,
  OperatingsystemRecord,
} from '../records.js';
import type { DemoStore } from '../store.js';
import { DEMO_ADMIN, type DemoUser } from '../users.js';
import {
  type CatalogWrite,
  type OperatingsystemChanges,
  prepareArchitectureRename,
  prepareComputeResourceRename,
  prepareOperatingsystemUpdate,
} from './catalog-writes.js';
import {
  type ImageWrite,
  prepareImageCreate,
  prepareImageDestroy,
  prepareImageUpdate,
} from './image-writes.js';
import { ForemanUiValidationError } from './validation-error.js';

export { ForemanUiValidationError };

/** An image as the UI's form fills it in (camelCase columns). */
export interface ForemanUiImageAttributes {
  name: string;
  uuid: string;
  username: string;
  operatingsystemId: number;
  computeResourceId: number;
  architectureId: number;
  password?: string | null;
  userData?: boolean | null;
  iamRole?: string | null;
}

/** Who acts in the UI, and the request their click makes. */
export interface ForemanUiOptions {
  /** A demo user or a demo login; default the admin. */
  user?: DemoUser | string;
  /** The browser's address, the UI request's remote_ip; default 192.0.2.10. */
  remoteAddress?: string | null;
  /** The UI request's id, every audit row of the request carries it; default a fresh UUID. */
  requestUuid?: string;
}

/**
 * The columns of an operating system the UI's form changes here; `title` follows them
 * (before_validation set_title: the description, else "name major[.minor]").
 */
export type ForemanUiOperatingsystemChanges = OperatingsystemChanges;

/** What a UI update of a compute resource, architecture or OS did: the record and its audit. */
export interface ForemanUiRecordChange<T> {
  record: T;
  /** Null for an update that changed nothing. */
  audit: AuditRecord | null;
}

/** What a UI write did: the image after it (as deleted, for a delete) and its audit row. */
export interface ForemanUiChange {
  image: ImageRecord;
  /** Null for an update that changed nothing. */
  audit: AuditRecord | null;
}

/**
 * Someone using Foreman's web UI, for tests: image writes that skip the API (so they are not in
 * `requests`) but go through the same validations and write the same audit rows, and renames of
 * compute resources, architectures and operating systems with their audit rows; each call is
 * one UI request with its own request uuid. Invalid input throws ForemanUiValidationError;
 * a dangling reference throws PostgreSQL's DatabaseError, as the API's 500 reports it.
 */
export class ForemanUi {
  readonly #store: DemoStore;
  readonly #now: () => Date;

  constructor(store: DemoStore, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  createImage(attributes: ForemanUiImageAttributes, options: ForemanUiOptions = {}) {
    return this.#commit(this.prepareCreate(attributes, authorFor(this.#store, options)));
  }

  updateImage(
    id: number,
    changes: Partial<ForemanUiImageAttributes>,
    options: ForemanUiOptions = {},
  ) {
    return this.#commit(this.prepareUpdate(id, changes, authorFor(this.#store, options)));
  }

  deleteImage(id: number, options: ForemanUiOptions = {}) {
    return this.#commit(this.prepareDelete(id, authorFor(this.#store, options)));
  }

  /**
   * Renames a compute resource. Its images keep their rows (and write no audit) but render the
   * new compute_resource_name; the ComputeResource audit row names the old to_label.
   */
  renameComputeResource(
    id: number,
    name: string,
    options: ForemanUiOptions = {},
  ): ForemanUiRecordChange<ComputeResourceRecord> {
    const cr = this.#store.computeResource(id);
    if (!cr) throw new Error(`Couldn't find ComputeResource with 'id'=${id}`);
    const author = authorFor(this.#store, options);
    return commitCatalog(prepareComputeResourceRename(this.#store, cr, name, author, this.#now()));
  }

  /** Renames an architecture: its images render the new architecture_name. */
  renameArchitecture(
    id: number,
    name: string,
    options: ForemanUiOptions = {},
  ): ForemanUiRecordChange<ArchitectureRecord> {
    const architecture = this.#store.architecture(id);
    if (!architecture) throw new Error(`Couldn't find Architecture with 'id'=${id}`);
    const author = authorFor(this.#store, options);
    return commitCatalog(
      prepareArchitectureRename(this.#store, architecture, name, author, this.#now()),
    );
  }

  /**
   * Changes an operating system's name, version or description. The title follows, and with it
   * the operatingsystem_name its images render: renaming an OS that has a description changes
   * neither (give a new description for that).
   */
  updateOperatingsystem(
    id: number,
    changes: ForemanUiOperatingsystemChanges,
    options: ForemanUiOptions = {},
  ): ForemanUiRecordChange<OperatingsystemRecord> {
    const os = this.#store.operatingsystem(id);
    if (!os) throw new Error(`Couldn't find Operatingsystem with 'id'=${id}`);
    const author = authorFor(this.#store, options);
    return commitCatalog(
      prepareOperatingsystemUpdate(this.#store, os, changes, author, this.#now()),
    );
  }

  /**
   * A UI request whose transaction stays open (a long cascade, host orchestration): its writes
   * take their image and audit ids from the sequences at once, yet become visible only on
   * commit(). Audits committed meanwhile by others get higher ids and are readable first, so a
   * lower id shows up late, as in PostgreSQL.
   */
  beginSlowTransaction(options: ForemanUiOptions = {}): SlowTransaction {
    return new SlowTransaction(this, authorFor(this.#store, options));
  }

  /** @internal */
  prepareCreate(
    attributes: ForemanUiImageAttributes,
    author: AuditAuthor,
    ownUncommitted: readonly AuditRecord[] = [],
  ): ImageWrite {
    const draft: ImageDraft = {
      password: null,
      iamRole: null,
      userData: false,
      ...definedOnly(attributes),
    } as ImageDraft;
    stripChanged(draft, null);
    this.#validate(draft, null);
    return prepareImageCreate(this.#store, draft, author, this.#now(), ownUncommitted);
  }

  /** @internal */
  prepareUpdate(
    id: number,
    changes: Partial<ForemanUiImageAttributes>,
    author: AuditAuthor,
    ownUncommitted: readonly AuditRecord[] = [],
  ): ImageWrite {
    const image = this.#find(id);
    const { id: _id, createdAt: _created, updatedAt: _updated, ...original } = image;
    const draft: ImageDraft = { ...original, ...definedOnly(changes) };
    stripChanged(draft, original);
    this.#validate(draft, id);
    return prepareImageUpdate(this.#store, image, draft, author, this.#now(), ownUncommitted);
  }

  /** @internal */
  prepareDelete(
    id: number,
    author: AuditAuthor,
    ownUncommitted: readonly AuditRecord[] = [],
  ): ImageWrite {
    return prepareImageDestroy(this.#store, this.#find(id), author, this.#now(), ownUncommitted);
  }

  #commit(write: ImageWrite): ForemanUiChange {
    write.commit();
    return { image: write.image, audit: write.audit };
  }

  #find(id: number): ImageRecord {
    const image = this.#store.image(id);
    if (!image) throw new Error(`Couldn't find Image with 'id'=${id}`);
    return image;
  }

  #validate(draft: ImageDraft, selfId: number | null): void {
    const errors = validateImage(this.#store, draft, selfId);
    if (!errors.empty) throw new ForemanUiValidationError(errors.fullMessages);
  }
}

/** An open transaction of the UI (see ForemanUi.beginSlowTransaction). */
export class SlowTransaction {
  readonly #ui: ForemanUi;
  readonly #author: AuditAuthor;
  readonly #writes: ImageWrite[] = [];
  #state: 'open' | 'committed' | 'rolled back' = 'open';

  constructor(ui: ForemanUi, author: AuditAuthor) {
    this.#ui = ui;
    this.#author = author;
  }

  /** Ids of the audit rows written so far, in insert order: reserved, not yet visible. */
  get auditIds(): number[] {
    return this.#ownAudits().map((a) => a.id);
  }

  createImage(attributes: ForemanUiImageAttributes): ForemanUiChange {
    return this.#stage(this.#ui.prepareCreate(attributes, this.#author, this.#ownAudits()));
  }

  updateImage(id: number, changes: Partial<ForemanUiImageAttributes>): ForemanUiChange {
    return this.#stage(this.#ui.prepareUpdate(id, changes, this.#author, this.#ownAudits()));
  }

  deleteImage(id: number): ForemanUiChange {
    return this.#stage(this.#ui.prepareDelete(id, this.#author, this.#ownAudits()));
  }

  /** Makes every change and audit row visible at once. */
  commit(): void {
    this.#requireOpen();
    this.#state = 'committed';
    for (const write of this.#writes) write.commit();
  }

  /** Drops the changes; the ids they took stay used, leaving gaps. */
  rollback(): void {
    this.#requireOpen();
    this.#state = 'rolled back';
  }

  #stage(write: ImageWrite): ForemanUiChange {
    this.#requireOpen();
    this.#writes.push(write);
    return { image: write.image, audit: write.audit };
  }

  #ownAudits(): AuditRecord[] {
    return this.#writes.flatMap((w) => (w.audit ? [w.audit] : []));
  }

  #requireOpen(): void {
    if (this.#state !== 'open') throw new Error(`the transaction is already ${this.#state}`);
  }
}

function commitCatalog<T>(write: CatalogWrite<T>): ForemanUiRecordChange<T> {
  write.commit();
  return { record: write.record, audit: write.audit };
}

/** Leaves out keys given as undefined, so they keep their default or current value. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

function authorFor(store: DemoStore, options: ForemanUiOptions): AuditAuthor {
  const login =
    typeof options.user === 'string' ? options.user : (options.user ?? DEMO_ADMIN).login;
  const account = store.accounts.byLogin(login);
  if (!account) throw new Error(`no demo user '${login}'`);
  return {
    account,
    remoteAddress: options.remoteAddress === undefined ? '192.0.2.10' : options.remoteAddress,
    requestUuid: options.requestUuid ?? randomUUID(),
  };
}
