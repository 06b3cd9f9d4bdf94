import type { GatewayContext } from '../context.js';
import type { RowOf } from '../foreman/records.js';
import { notFound } from './errors.js';
import { encodeGlobalId, encodeImageId, type ImageIdentity, type NodeIdentity } from './ids.js';
import type { TopLevelNode } from './node-types.js';
import { type ImageSource, type NodeSource, type RecordSource, sourceOf } from './sources.js';

/** Single-record reads for query fields, `node` and entities: a missing record is NOT_FOUND. */

export async function loadRecord<R extends TopLevelNode>(
  ctx: GatewayContext,
  resource: R,
  id: number,
): Promise<RecordSource<R>> {
  const record = await ctx.foreman.record(resource, id);
  if (!record) throw notFound(resource, encodeGlobalId(resource, id));
  return sourceOf(resource, record as RowOf<R>);
}

/**
 * By id: where it was last seen (one call per compute resource), else by a fan-out over
 * architectures, as Foreman lists images only under a parent.
 */
export async function loadImage(
  ctx: GatewayContext,
  identity: ImageIdentity,
): Promise<ImageSource> {
  const record = await ctx.foreman.image(identity);
  if (!record) throw notFound('image', encodeImageId(identity.imageId));
  return sourceOf('image', record);
}

export function loadNode(ctx: GatewayContext, identity: NodeIdentity): Promise<NodeSource> {
  return identity.resource === 'image'
    ? loadImage(ctx, identity)
    : (loadRecord(ctx, identity.resource, identity.foremanId) as Promise<NodeSource>);
}
