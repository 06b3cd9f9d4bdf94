import type {
  ArchitectureRecord,
  AuditRecord,
  ComputeResourceRecord,
  DemoData,
  ImageRecord,
  NamedRecord,
  OperatingsystemRecord,
  ProvisioningTemplateRecord,
  TaxonomyRecord,
} from './records.js';
import { createSeed } from './seed/index.js';
import { DemoAccounts } from './users.js';

/**
 * The demo's in-memory database. Tests read it through the getters; only writes change it, each
 * with its audit row: image writes (the request handlers and the simulated Foreman UI) and the
 * UI's changes to compute resources, architectures and operating systems.
 */
export class DemoStore {
  #data: DemoData;
  /**
   * The users table: who may sign in, and whom audits name. Accounts are never added or removed;
   * their passwords, tokens and disabled flags may change, and reset() restores the seeded ones.
   */
  readonly accounts: DemoAccounts;
  // Like PostgreSQL sequences: deleting the newest row does not give its id back, and a failed
  // or rolled-back INSERT leaves a gap.
  #nextImageId: number;
  #nextAuditId: number;

  constructor(data: DemoData = createSeed(), accounts: DemoAccounts = new DemoAccounts()) {
    this.#data = data;
    this.accounts = accounts;
    this.#nextImageId = maxId(data.images) + 1;
    this.#nextAuditId = maxId(data.audits) + 1;
  }

  get architectures(): readonly ArchitectureRecord[] {
    return this.#data.architectures;
  }

  get operatingsystems(): readonly OperatingsystemRecord[] {
    return this.#data.operatingsystems;
  }

  get computeResources(): readonly ComputeResourceRecord[] {
    return this.#data.computeResources;
  }

  get images(): readonly ImageRecord[] {
    return this.#data.images;
  }

  get locations(): readonly TaxonomyRecord[] {
    return this.#data.locations;
  }

  get organizations(): readonly TaxonomyRecord[] {
    return this.#data.organizations;
  }

  get media(): readonly NamedRecord[] {
    return this.#data.media;
  }

  get ptables(): readonly NamedRecord[] {
    return this.#data.ptables;
  }

  get templateKinds(): readonly NamedRecord[] {
    return this.#data.templateKinds;
  }

  get provisioningTemplates(): readonly ProvisioningTemplateRecord[] {
    return this.#data.provisioningTemplates;
  }

  get computeProfiles(): readonly NamedRecord[] {
    return this.#data.computeProfiles;
  }

  /** Committed audits, in commit order (which is not always id order). */
  get audits(): readonly AuditRecord[] {
    return this.#data.audits;
  }

  audit(id: number | null): AuditRecord | undefined {
    return this.#data.audits.find((a) => a.id === id);
  }

  /** nextval of the audits sequence, shared by every audited type. */
  reserveAuditId(): number {
    const id = this.#nextAuditId;
    this.#nextAuditId += 1;
    return id;
  }

  /** Makes an audit row (inserted under a reserved id) visible, as its COMMIT does. */
  commitAudit(audit: AuditRecord): void {
    this.#data.audits.push(audit);
  }

  architecture(id: number | null): ArchitectureRecord | undefined {
    return this.#data.architectures.find((a) => a.id === id);
  }

  operatingsystem(id: number | null): OperatingsystemRecord | undefined {
    return this.#data.operatingsystems.find((o) => o.id === id);
  }

  computeResource(id: number | null): ComputeResourceRecord | undefined {
    return this.#data.computeResources.find((c) => c.id === id);
  }

  image(id: number | null): ImageRecord | undefined {
    return this.#data.images.find((i) => i.id === id);
  }

  replaceArchitecture(architecture: ArchitectureRecord): void {
    replaceById(this.#data.architectures, architecture);
  }

  replaceOperatingsystem(operatingsystem: OperatingsystemRecord): void {
    replaceById(this.#data.operatingsystems, operatingsystem);
  }

  replaceComputeResource(computeResource: ComputeResourceRecord): void {
    replaceById(this.#data.computeResources, computeResource);
  }

  /** nextval of the images id sequence; a failed INSERT still uses one up. */
  reserveImageId(): number {
    const id = this.#nextImageId;
    this.#nextImageId += 1;
    return id;
  }

  /** Inserts a validated image under a reserved id (by default the next one). */
  insertImage(draft: Omit<ImageRecord, 'id'>, id = this.reserveImageId()): ImageRecord {
    const image = { id, ...draft };
    this.#data.images.push(image);
    return image;
  }

  replaceImage(image: ImageRecord): void {
    replaceById(this.#data.images, image);
  }

  deleteImage(id: number): void {
    this.#data.images = this.#data.images.filter((i) => i.id !== id);
  }

  /** Back to the pristine seed, sequences and the accounts' sign-in secrets included. */
  reset(): void {
    this.#data = createSeed();
    this.accounts.reset();
    this.#nextImageId = maxId(this.#data.images) + 1;
    this.#nextAuditId = maxId(this.#data.audits) + 1;
  }
}

/** An UPDATE of the row with the record's id; none there, nothing happens. */
function replaceById<T extends { id: number }>(rows: T[], record: T): void {
  const index = rows.findIndex((r) => r.id === record.id);
  if (index >= 0) rows[index] = record;
}

function maxId(records: readonly { id: number }[]): number {
  return records.reduce((max, r) => Math.max(max, r.id), 0);
}
