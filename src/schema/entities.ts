import { builder } from './builder.js';
import { notFound } from './errors.js';
import { isBeyondForemanRange, parseForemanId } from './ids.js';
import type { NodeResource, TopLevelNode } from './node-types.js';

/**
 * Apollo Federation v2 entities: every type can be referenced by its global `id` or by Foreman's
 * numeric `foremanId` (what other services such as a hosts service store). `_entities` resolves
 * all representations of one request in the same tick, so they batch through the same loaders as
 * every other read: one `id ^ (…)` call per type; images go where each was last seen (one call per
 * compute resource), and the rest by one call per architecture.
 */

export type Representation = { id: string } | { foremanId: number };

export const entityKeys = [
  builder.selection<{ id: string }>('id'),
  builder.selection<{ foremanId: number }>('foremanId'),
];

/**
 * The key a representation carries, as an id argument would be written: a malformed one is
 * BAD_USER_INPUT for that entity; one beyond Foreman's id range names nothing (NOT_FOUND), and
 * neither reaches a batch.
 */
export function representationKey(
  representation: Representation,
  resource: NodeResource,
): { value: string; argumentName: 'id' | 'foremanId' } {
  const key =
    'id' in representation
      ? { value: String(representation.id), argumentName: 'id' as const }
      : { value: String(representation.foremanId), argumentName: 'foremanId' as const };
  if (isBeyondForemanRange(key.value)) throw notFound(resource, key.value);
  return key;
}

/** The Foreman id a representation names. */
export function foremanIdOf(representation: Representation, resource: TopLevelNode): number {
  const { value, argumentName } = representationKey(representation, resource);
  return parseForemanId(value, resource, argumentName);
}
