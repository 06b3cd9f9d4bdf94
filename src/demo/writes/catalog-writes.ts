import {
  type AuditAuthor,
  buildAudit,
  changedValues,
  computeResourceAuditedValues,
  operatingsystemAuditedValues,
} from '../audits/auditor.js';
import { ValidationErrors } from '../handlers/image-validation.js';
import { isBlank, rubyStrip } from '../http/ruby.js';
import { osLabel } from '../os-label.js';
import { computeResourceLabel } from '../providers.js';
import type {
  ArchitectureRecord,
  AuditableType,
  AuditedValue,
  AuditRecord,
  ComputeResourceRecord,
  OperatingsystemRecord,
} from '../records.js';
import type { DemoStore } from '../store.js';
import { ForemanUiValidationError } from './validation-error.js';

/**
 * Updates of compute resources, architectures and operating systems, as Foreman's UI saves
 * them: the model's validations, then audited's before_update row (only the changed columns, as
 * [old, new]; the label before the change as auditable_name), then the UPDATE. The images table
 * is not touched: image rows carry these names only when rendered, so a rename shows up in every
 * image of the record without an image audit. Invalid changes throw ForemanUiValidationError.
 */
export interface CatalogWrite<T> {
  /** The record after the update. */
  readonly record: T;
  /** Null for an update that changed no audited column (no row, no new updated_at). */
  readonly audit: AuditRecord | null;
  commit(): void;
}

/** The operating system columns the UI's form edits here; `title` follows (set_title). */
export interface OperatingsystemChanges {
  name?: string;
  major?: string;
  minor?: string;
  description?: string | null;
}

/** The columns are varchar(255) (validates_lengths_from_database). */
const MAX_LENGTH = 255;

/** Architecture: name length, presence, uniqueness and no whitespace (app/models/architecture.rb). */
export function prepareArchitectureRename(
  store: DemoStore,
  architecture: ArchitectureRecord,
  newName: string,
  author: AuditAuthor,
  at: Date,
): CatalogWrite<ArchitectureRecord> {
  const name = rubyStrip(newName);
  const errors = new ValidationErrors();
  tooLong(errors, 'name', name);
  if (isBlank(name)) errors.add('name', "can't be blank");
  if (store.architectures.some((a) => a.id !== architecture.id && a.name === name)) {
    errors.add('name', 'has already been taken');
  }
  noWhitespace(errors, 'name', name);
  throwIfInvalid(errors);
  return prepareUpdate(store, {
    type: 'Architecture',
    before: architecture,
    after: { ...architecture, name },
    // `audited` without options: every column but id and the timestamps.
    values: (a) => ({ name: a.name }),
    label: (a) => a.name,
    author,
    at,
    save: (a) => store.replaceArchitecture(a),
  });
}

/**
 * ComputeResource: name length, presence and uniqueness. Its audit rows carry the compute
 * resource's taxonomies (AuditExtensions#set_taxonomies) and name it by to_label.
 */
export function prepareComputeResourceRename(
  store: DemoStore,
  computeResource: ComputeResourceRecord,
  newName: string,
  author: AuditAuthor,
  at: Date,
): CatalogWrite<ComputeResourceRecord> {
  const name = rubyStrip(newName);
  const errors = new ValidationErrors();
  tooLong(errors, 'name', name);
  if (isBlank(name)) errors.add('name', "can't be blank");
  if (store.computeResources.some((c) => c.id !== computeResource.id && c.name === name)) {
    errors.add('name', 'has already been taken');
  }
  throwIfInvalid(errors);
  return prepareUpdate(store, {
    type: 'ComputeResource',
    before: computeResource,
    after: { ...computeResource, name },
    values: computeResourceAuditedValues,
    label: computeResourceLabel,
    author,
    at,
    save: (c) => store.replaceComputeResource(c),
    locationIds: [...computeResource.locationIds],
    organizationIds: [...computeResource.organizationIds],
  });
}

/**
 * Operatingsystem (app/models/operatingsystem.rb): before_validation set_title makes the title
 * to_label (the description, else "name major[.minor]"), then major, minor, name, description
 * and title are validated in the model's order.
 */
export function prepareOperatingsystemUpdate(
  store: DemoStore,
  os: OperatingsystemRecord,
  changes: OperatingsystemChanges,
  author: AuditAuthor,
  at: Date,
): CatalogWrite<OperatingsystemRecord> {
  const strip = (value: string | undefined) => (value === undefined ? undefined : rubyStrip(value));
  const draft = {
    name: strip(changes.name) ?? os.name,
    major: strip(changes.major) ?? os.major,
    minor: strip(changes.minor) ?? os.minor,
    description:
      changes.description === undefined
        ? os.description
        : changes.description === null
          ? null
          : rubyStrip(changes.description),
  };
  const after: OperatingsystemRecord = {
    ...os,
    ...draft,
    title: [...osLabel(draft)].slice(0, MAX_LENGTH).join(''),
  };
  const others = store.operatingsystems.filter((o) => o.id !== os.id);
  const errors = new ValidationErrors();
  for (const column of ['name', 'major', 'minor', 'description'] as const) {
    tooLong(errors, column, after[column] ?? '');
  }
  if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(after.major)) {
    errors.add('major', 'is not a number');
  }
  if (isBlank(after.major)) errors.add('major', 'Operating System version is required');
  if (!isBlank(after.minor) && !/^\d+(\.\d+)*$/.test(after.minor)) {
    errors.add('minor', 'Operating System minor version must be in N or N.N format');
  }
  if (isBlank(after.name)) errors.add('name', "can't be blank");
  noWhitespace(errors, 'name', after.name);
  if (
    others.some((o) => o.name === after.name && o.major === after.major && o.minor === after.minor)
  ) {
    errors.add('name', 'Operating system version already exists');
  }
  if (!isBlank(after.description) && others.some((o) => o.description === after.description)) {
    errors.add('description', 'has already been taken');
  }
  if (others.some((o) => o.title === after.title)) errors.add('title', 'has already been taken');
  throwIfInvalid(errors);
  return prepareUpdate<OperatingsystemRecord>(store, {
    type: 'Operatingsystem',
    before: os,
    after,
    values: operatingsystemAuditedValues,
    label: osLabel,
    author,
    at,
    save: (o) => store.replaceOperatingsystem(o),
  });
}

interface UpdateSpec<T extends { id: number; updatedAt: Date }> {
  type: AuditableType;
  before: T;
  after: T;
  values(record: T): Record<string, AuditedValue>;
  /** to_label, read from the row as it is before the change. */
  label(record: T): string;
  author: AuditAuthor;
  at: Date;
  save(record: T): void;
  locationIds?: number[];
  organizationIds?: number[];
}

function prepareUpdate<T extends { id: number; updatedAt: Date }>(
  store: DemoStore,
  spec: UpdateSpec<T>,
): CatalogWrite<T> {
  const changes = changedValues(spec.values(spec.before), spec.values(spec.after));
  if (Object.keys(changes).length === 0) {
    return { record: spec.before, audit: null, commit: () => {} };
  }
  const audit = buildAudit(store, {
    type: spec.type,
    auditableId: spec.before.id,
    auditableName: spec.label(spec.before),
    action: 'update',
    changes,
    author: spec.author,
    at: spec.at,
    ...(spec.locationIds && { locationIds: spec.locationIds }),
    ...(spec.organizationIds && { organizationIds: spec.organizationIds }),
  });
  const record = { ...spec.after, updatedAt: spec.at };
  return {
    record,
    audit,
    commit: () => {
      spec.save(record);
      store.commitAudit(audit);
    },
  };
}

function tooLong(errors: ValidationErrors, column: string, value: string): void {
  if ([...value].length > MAX_LENGTH) {
    errors.add(column, `is too long (maximum is ${MAX_LENGTH} characters)`);
  }
}

/** NoWhitespaceValidator. */
function noWhitespace(errors: ValidationErrors, column: string, value: string): void {
  if (/\s/.test(value)) errors.add(column, "can't contain spaces.");
}

function throwIfInvalid(errors: ValidationErrors): void {
  if (!errors.empty) throw new ForemanUiValidationError(errors.fullMessages);
}
