import type { TopLevelName } from '../foreman/resources.js';
import { builder } from './builder.js';
import { parseForemanId } from './ids.js';

/**
 * Apollo Federation v2 entities: every type can be referenced by its global `id` or by Foreman's
 * numeric `foremanId` (what other services such as a hosts service store). `_entities` resolves
 * all representations of one request in the same tick, so they batch through the same loaders as
 * every other read: one `id ^ (…)` call per type, one per compute resource for images by global
 * id, one per architecture for images by Foreman id.
 */

export type Representation = { id: string } | { foremanId: number };

export const entityKeys = [
  builder.selection<{ id: string }>('id'),
  builder.selection<{ foremanId: number }>('foremanId'),
];

/** The Foreman id a representation names; a malformed one is BAD_USER_INPUT for that entity. */
export function foremanIdOf(representation: Representation, resource: TopLevelName): number {
  return 'id' in representation
    ? parseForemanId(representation.id, resource, 'id')
    : parseForemanId(String(representation.foremanId), resource, 'foremanId');
}
