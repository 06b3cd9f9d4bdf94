import { paramString } from '../http/request.js';
import type {
  ArchitectureRecord,
  ComputeResourceRecord,
  OperatingsystemRecord,
} from '../records.js';
import { type HandlerContext, visibleComputeResources } from './context.js';
import { parentIdForm } from './finders.js';

/** Models whose `<model>_id` parameter Api::BaseController#parent_resource_details recognises. */
export type ParentKind =
  | 'architecture'
  | 'operatingsystem'
  | 'compute_resource'
  | 'location'
  | 'organization';

const KINDS: ReadonlySet<string> = new Set([
  'architecture',
  'operatingsystem',
  'compute_resource',
  'location',
  'organization',
]);

export interface ChosenParent {
  kind: ParentKind;
  /** The parameter as sent, e.g. '99' or 'x86_64'. */
  raw: string;
  key: string;
}

/**
 * The nested parent exactly as Foreman picks it: the FIRST parameter named `<model>_id`,
 * in Rails' params order of body, query, path. So `?architecture_id=3` on
 * /api/compute_resources/1/images makes the architecture the parent and drops the compute
 * resource, and an unwrapped body's `architecture_id` does the same for writes.
 */
export function chooseParent(params: ReadonlyMap<string, unknown>): ChosenParent | null {
  for (const [key, value] of params) {
    const match = /^(\w+)_id$/.exec(key);
    if (match?.[1] && KINDS.has(match[1])) {
      return { kind: match[1] as ParentKind, raw: paramString(value), key };
    }
  }
  return null;
}

export type ResolvedParent =
  | { kind: 'architecture'; record: ArchitectureRecord }
  | { kind: 'operatingsystem'; record: OperatingsystemRecord }
  | { kind: 'compute_resource'; record: ComputeResourceRecord };

/** Resolves a model parent; undefined when it does not exist or the caller cannot see it. */
export function resolveParent(
  ctx: HandlerContext,
  kind: ResolvedParent['kind'],
  raw: string,
): ResolvedParent | undefined {
  const id = parentIdForm(raw);
  switch (kind) {
    case 'architecture': {
      const list = ctx.store.architectures;
      const record = list.find((a) => a.name === raw) ?? list.find((a) => a.id === id);
      return record && { kind, record };
    }
    case 'operatingsystem': {
      const list = ctx.store.operatingsystems;
      const record = list.find((o) => o.title === raw) ?? list.find((o) => o.id === id);
      return record && { kind, record };
    }
    case 'compute_resource': {
      const record = visibleComputeResources(ctx).find((c) => c.id === id);
      return record && { kind, record };
    }
  }
}
