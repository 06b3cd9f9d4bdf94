import { type DatabaseError, foreignKeyViolation } from '../database-errors.js';
import { isBlank, rubyStrip } from '../http/ruby.js';
import { providerOf } from '../providers.js';
import type { DemoStore } from '../store.js';
import type { ImageDraft } from './image-params.js';

/** ActiveModel::Errors: attribute → messages, in the order errors were added. */
export class ValidationErrors {
  readonly #messages = new Map<string, string[]>();
  readonly #full: string[] = [];

  add(attribute: string, message: string): void {
    this.#messages.set(attribute, [...(this.#messages.get(attribute) ?? []), message]);
    this.#full.push(attribute === 'base' ? message : `${humanize(attribute)} ${message}`);
  }

  get empty(): boolean {
    return this.#full.length === 0;
  }

  get fullMessages(): readonly string[] {
    return this.#full;
  }

  /** unprocessable_entity.json.rabl inside the error layout. */
  body(id: number | null) {
    return {
      error: { id, errors: Object.fromEntries(this.#messages), full_messages: [...this.#full] },
    };
  }
}

/** String#humanize without locale overrides: "compute_resource_id" → "Compute resource". */
function humanize(attribute: string): string {
  const words = attribute.replace(/_id$/, '').replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const STRING_COLUMNS = ['uuid', 'username', 'name', 'iamRole', 'password'] as const;
const COLUMN_NAMES: Record<(typeof STRING_COLUMNS)[number], string> = {
  uuid: 'uuid',
  username: 'username',
  name: 'name',
  iamRole: 'iam_role',
  password: 'password',
};

/** StripWhitespace: changed string attributes lose leading and trailing whitespace. */
export function stripChanged(draft: ImageDraft, original: ImageDraft | null): void {
  for (const column of STRING_COLUMNS) {
    const value = draft[column];
    if (value !== null && value !== original?.[column]) draft[column] = rubyStrip(value);
  }
}

/**
 * app/models/image.rb's validations in declaration order: lengths from the database, presence,
 * name unique per (compute resource, OS), uuid present and unique per compute resource, and
 * uuid_exists? (the provider check, see ProviderInfo#imageExists) on every save.
 */
export function validateImage(
  store: DemoStore,
  draft: ImageDraft,
  selfId: number | null,
): ValidationErrors {
  const errors = new ValidationErrors();
  for (const column of STRING_COLUMNS) {
    const value = draft[column];
    if (value !== null && [...value].length > 255) {
      errors.add(COLUMN_NAMES[column], 'is too long (maximum is 255 characters)');
    }
  }
  if (isBlank(draft.username)) errors.add('username', "can't be blank");
  if (draft.operatingsystemId === null) errors.add('operatingsystem_id', "can't be blank");
  if (draft.computeResourceId === null) errors.add('compute_resource_id', "can't be blank");
  if (draft.architectureId === null) errors.add('architecture_id', "can't be blank");
  const others = store.images.filter((i) => i.id !== selfId);
  if (isBlank(draft.name)) errors.add('name', "can't be blank");
  const sameName = others.some(
    (i) =>
      i.name === draft.name &&
      i.computeResourceId === draft.computeResourceId &&
      i.operatingsystemId === draft.operatingsystemId,
  );
  if (sameName) errors.add('name', 'has already been taken');
  if (isBlank(draft.uuid)) errors.add('uuid', "can't be blank");
  if (
    others.some((i) => i.uuid === draft.uuid && i.computeResourceId === draft.computeResourceId)
  ) {
    errors.add('uuid', 'has already been taken');
  }
  const cr = store.computeResource(draft.computeResourceId);
  if (cr && !providerOf(cr).imageExists(draft.uuid)) {
    errors.add('uuid', `could not be found in ${cr.name}`);
  }
  return errors;
}

/**
 * The images table's foreign keys (db/migrate/20130908170524_add_keys.rb), in the order
 * PostgreSQL fires their checks (trigger names follow creation order).
 */
const IMAGE_FOREIGN_KEYS = [
  {
    column: 'architecture_id',
    read: (draft: ImageDraft) => draft.architectureId,
    exists: (store: DemoStore, id: number) => store.architecture(id) !== undefined,
    referencedTable: 'architectures',
  },
  {
    column: 'compute_resource_id',
    read: (draft: ImageDraft) => draft.computeResourceId,
    exists: (store: DemoStore, id: number) => store.computeResource(id) !== undefined,
    referencedTable: 'compute_resources',
  },
  {
    column: 'operatingsystem_id',
    read: (draft: ImageDraft) => draft.operatingsystemId,
    exists: (store: DemoStore, id: number) => store.operatingsystem(id) !== undefined,
    referencedTable: 'operatingsystems',
  },
] as const;

/**
 * belongs_to is optional in Foreman (belongs_to_required_by_default = false), so a dangling id
 * passes validation and the INSERT or UPDATE itself fails on the foreign key. An UPDATE checks
 * only the keys it changes. Null when every reference holds.
 */
export function foreignKeyViolationOf(
  store: DemoStore,
  draft: ImageDraft,
  original: ImageDraft | null,
): DatabaseError | null {
  for (const key of IMAGE_FOREIGN_KEYS) {
    const id = key.read(draft);
    if (id === null || (original && key.read(original) === id) || key.exists(store, id)) continue;
    return foreignKeyViolation({
      table: 'images',
      column: key.column,
      constraint: `images_${key.column}_fk`,
      value: id,
      referencedTable: key.referencedTable,
    });
  }
  return null;
}
