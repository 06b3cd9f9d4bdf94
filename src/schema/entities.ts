import { builder } from './builder.js';
import { type ForemanTypeName, parseForemanId, parseImageId } from './ids.js';
import { loadArchitecture, loadComputeResource, loadImage, loadOperatingSystem } from './load.js';
import { Architecture, ComputeResource, Image, OperatingSystem } from './refs.js';

/**
 * Apollo Federation v2 entities. Every type can be referenced by its global `id` or by Foreman's
 * numeric `foremanId` (what other services such as a hosts service store). `_entities` resolves
 * all representations of one request in the same tick, so they batch through the same loaders as
 * every other read: one `id ^ (…)` call per type, one per compute resource for images by global
 * id, one per architecture for images by Foreman id.
 */

type Representation = { id: string } | { foremanId: number };

const keys = [
  builder.selection<{ id: string }>('id'),
  builder.selection<{ foremanId: number }>('foremanId'),
];

/** The Foreman id a representation names; a malformed one is BAD_USER_INPUT for that entity. */
function foremanIdOf(representation: Representation, typeName: ForemanTypeName): number {
  return 'id' in representation
    ? parseForemanId(representation.id, typeName, 'id')
    : parseForemanId(String(representation.foremanId), typeName, 'foremanId');
}

builder.asEntity(Architecture, {
  key: keys,
  resolveReference: (representation: Representation, ctx) =>
    loadArchitecture(ctx, foremanIdOf(representation, 'Architecture')),
});

builder.asEntity(OperatingSystem, {
  key: keys,
  resolveReference: (representation: Representation, ctx) =>
    loadOperatingSystem(ctx, foremanIdOf(representation, 'Operatingsystem')),
});

builder.asEntity(ComputeResource, {
  key: keys,
  resolveReference: (representation: Representation, ctx) =>
    loadComputeResource(ctx, foremanIdOf(representation, 'ComputeResource')),
});

builder.asEntity(Image, {
  key: keys,
  resolveReference: (representation: Representation, ctx) =>
    loadImage(
      ctx,
      'id' in representation
        ? parseImageId(representation.id, 'id')
        : parseImageId(String(representation.foremanId), 'foremanId'),
    ),
});
