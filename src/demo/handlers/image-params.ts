import { isPlainObject, paramString } from '../http/request.js';
import { fail } from '../http/responses.js';
import { rubyToI } from '../http/ruby.js';
import type { OperatingsystemRecord } from '../records.js';
import type { DemoStore } from '../store.js';
import { type HandlerContext, visibleComputeResources } from './context.js';

/** An image's assignable attributes before validation; any of them may still be missing. */
export interface ImageDraft {
  name: string | null;
  uuid: string | null;
  username: string | null;
  password: string | null;
  iamRole: string | null;
  userData: boolean | null;
  operatingsystemId: number | null;
  computeResourceId: number | null;
  architectureId: number | null;
}

type Scalar = string | number | boolean | null;

/** The images table's columns: what Rails' ParamsWrapper wraps from an unwrapped body. */
const COLUMNS = new Set([
  'id',
  'operatingsystem_id',
  'compute_resource_id',
  'architecture_id',
  'uuid',
  'username',
  'name',
  'created_at',
  'updated_at',
  'iam_role',
  'user_data',
  'password',
]);

/** app/controllers/concerns/foreman/controller/parameters/image.rb */
const PERMITTED = new Set([
  'name',
  'username',
  'uuid',
  'password',
  'user_data',
  'iam_role',
  'compute_resource_id',
  'compute_resource_name',
  'architecture_id',
  'architecture_name',
  'operatingsystem_id',
  'operatingsystem_name',
]);

const STRINGS = {
  name: 'name',
  uuid: 'uuid',
  username: 'username',
  password: 'password',
  iam_role: 'iamRole',
} as const;
const IDS = {
  operatingsystem_id: 'operatingsystemId',
  compute_resource_id: 'computeResourceId',
  architecture_id: 'architectureId',
} as const;

/**
 * image_params: the `image` hash when the body has one; otherwise ParamsWrapper
 * wraps only keys that are DB columns, so an unwrapped `architecture_name` is dropped. The
 * permit filter keeps permitted scalar keys; unknown keys are ignored, not rejected.
 */
export function permittedImageParams(body: unknown): Array<[string, Scalar]> {
  if (!isPlainObject(body)) return [];
  const source = Object.hasOwn(body, 'image')
    ? isPlainObject(body.image)
      ? body.image
      : {}
    : Object.fromEntries(Object.entries(body).filter(([key]) => COLUMNS.has(key)));
  return Object.entries(source).filter((entry): entry is [string, Scalar] => {
    const [key, value] = entry;
    const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
    return PERMITTED.has(key) && scalar;
  });
}

/** Assigns parameters in the order sent, like ActiveRecord's attribute assignment. */
export function assignImageParams(
  ctx: HandlerContext,
  draft: ImageDraft,
  params: Array<[string, Scalar]>,
): void {
  for (const [key, value] of params) {
    if (key in STRINGS) draft[STRINGS[key as keyof typeof STRINGS]] = castString(value);
    else if (key in IDS) draft[IDS[key as keyof typeof IDS]] = castInteger(value);
    else if (key === 'user_data') draft.userData = castBoolean(value);
    else if (key === 'architecture_name') {
      draft.architectureId = lookup('architecture', value, (name) =>
        ctx.store.architectures.find((a) => a.name === name),
      );
    } else if (key === 'compute_resource_name') {
      draft.computeResourceId = lookup('compute_resource', value, (name) =>
        visibleComputeResources(ctx).find((c) => c.name === name),
      );
    } else if (key === 'operatingsystem_name') {
      draft.operatingsystemId = lookup('operatingsystem', value, (label) =>
        findByToLabel(ctx.store, label),
      );
    }
  }
}

/** HasManyCommon's `<assoc>_name=` setter: Foreman::AssociationNotFound becomes a 422. */
function lookup(assoc: string, value: Scalar, find: (name: string) => { id: number } | undefined) {
  const name = paramString(value);
  const found = find(name);
  if (!found)
    return fail(422, { error: { message: `Could not find ${assoc} with name: ${name}` } });
  return found.id;
}

/** Operatingsystem.find_by_to_label: the description, else "name major[.minor]" parsed. */
function findByToLabel(store: DemoStore, label: string): OperatingsystemRecord | undefined {
  const byDescription = store.operatingsystems.find((o) => o.description === label);
  if (byDescription) return byDescription;
  const [name, version] = label.trim().split(/\s+/);
  const [major, minor] = version ? version.split('.') : [];
  return store.operatingsystems.find(
    (o) =>
      o.name === name &&
      (major === undefined || o.major === major) &&
      (minor === undefined || o.minor === minor),
  );
}

/** ActiveModel::Type::String: true and false become "t" and "f". */
function castString(value: Scalar): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

/** ActiveModel::Type::Integer: non-numeric text is nil, "7abc" is 7, true is 1. */
function castInteger(value: Scalar): number | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  return /^\s*[+-]?\d/.test(value) ? rubyToI(value) : null;
}

const FALSE_VALUES = new Set(['0', 'f', 'F', 'false', 'FALSE', 'off', 'OFF']);

/** ActiveModel::Type::Boolean: "" is nil, a few spellings are false, anything else true. */
function castBoolean(value: Scalar): boolean | null {
  if (value === null || value === '') return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  return !FALSE_VALUES.has(value);
}
