import { builder } from './builder.js';
import { type ForemanTypeName, parseForemanId, parseImageId } from './ids.js';
import { loadImage } from './load.js';
import { Image } from './refs.js';

/**
 * Apollo Federation v2 entities (Image here; the other three in types/foreman-type.ts). Every type can be referenced by its global `id` or by Foreman's
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
export function foremanIdOf(representation: Representation, typeName: ForemanTypeName): number {
  return 'id' in representation
    ? parseForemanId(representation.id, typeName, 'id')
    : parseForemanId(String(representation.foremanId), typeName, 'foremanId');
}

builder.asEntity(Image, {
  key: entityKeys,
  resolveReference: (representation: Representation, ctx) =>
    loadImage(
      ctx,
      'id' in representation
        ? parseImageId(representation.id, 'id')
        : parseImageId(String(representation.foremanId), 'foremanId'),
    ),
});
