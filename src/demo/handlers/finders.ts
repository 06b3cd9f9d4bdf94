import { activeRecordId, rubyToI } from '../http/ruby.js';
import type {
  ArchitectureRecord,
  ComputeResourceRecord,
  ImageRecord,
  OperatingsystemRecord,
} from '../records.js';

/**
 * How `:id` resolves in show/update/destroy (FindCommon#resource_finder):
 * from_param, then FriendlyId, then find. Each model differs in what names it accepts.
 */

/** Image (ById, no FriendlyId): "5", "5-anything", even "5abc". */
export function findImage(images: readonly ImageRecord[], raw: string): ImageRecord | undefined {
  const id = rubyToI(raw);
  return images.find((i) => i.id === id);
}

/** ComputeResource (ByIdName, no FriendlyId): ids only; a name never matches. */
export function findComputeResource(
  resources: readonly ComputeResourceRecord[],
  raw: string,
): ComputeResourceRecord | undefined {
  const id = activeRecordId(raw);
  return resources.find((c) => c.id === id);
}

/** Architecture (ByIdName + friendly_id :name): "5", "5-x86_64" or the name. */
export function findArchitecture(
  architectures: readonly ArchitectureRecord[],
  raw: string,
): ArchitectureRecord | undefined {
  if (/^\d+-/.test(raw)) return architectures.find((a) => a.id === rubyToI(raw));
  // FriendlyId treats anything that is not exactly an integer's digits as a slug.
  if (String(rubyToI(raw)) !== raw) return architectures.find((a) => a.name === raw);
  return architectures.find((a) => a.id === rubyToI(raw));
}

/** Operatingsystem (ById + friendly_id :title): to_i first, then the title. */
export function findOperatingsystem(
  operatingsystems: readonly OperatingsystemRecord[],
  raw: string,
): OperatingsystemRecord | undefined {
  const byId = operatingsystems.find((o) => o.id === rubyToI(raw));
  if (byId) return byId;
  return String(rubyToI(raw)) !== raw ? operatingsystems.find((o) => o.title === raw) : undefined;
}

/**
 * How a parent id in the path resolves (ApplicationShared#scope_by_resource_id): the FriendlyId
 * field if the model has one, then an integer string or an `^\d+-` prefix, else nothing.
 */
export function parentIdForm(raw: string): number | null {
  return /^\d+$/.test(raw) || /^\d+-/.test(raw) ? rubyToI(raw) : null;
}
