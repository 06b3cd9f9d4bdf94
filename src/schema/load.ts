import type { GatewayContext } from '../context.js';
import type { ImageRecord } from '../foreman/records.js';
import { notFound } from './errors.js';
import { encodeGlobalId, encodeImageId, type ImageIdentity, type NodeIdentity } from './ids.js';
import type {
  ArchitectureSource,
  ComputeResourceSource,
  ImageSource,
  NodeSource,
  OperatingSystemSource,
} from './refs.js';
import { sourceOf } from './sources.js';

/** Single-record reads for query fields and `node`: a missing record is a NOT_FOUND error. */

export async function loadArchitecture(
  ctx: GatewayContext,
  id: number,
): Promise<ArchitectureSource> {
  const record = await ctx.loaders.architectures.load(id);
  if (!record) throw notFound('Architecture', encodeGlobalId('Architecture', id));
  return sourceOf('Architecture', record);
}

export async function loadOperatingSystem(
  ctx: GatewayContext,
  id: number,
): Promise<OperatingSystemSource> {
  const record = await ctx.loaders.operatingSystems.load(id);
  if (!record) throw notFound('OperatingSystem', encodeGlobalId('Operatingsystem', id));
  return sourceOf('OperatingSystem', record);
}

export async function loadComputeResource(
  ctx: GatewayContext,
  id: number,
): Promise<ComputeResourceSource> {
  const record = await ctx.loaders.computeResources.load(id);
  if (!record) throw notFound('ComputeResource', encodeGlobalId('ComputeResource', id));
  return sourceOf('ComputeResource', record);
}

/**
 * By global id (one call per compute resource), or by Foreman id alone (a fan-out over
 * architectures, as Foreman lists images only under a parent).
 */
export async function loadImage(
  ctx: GatewayContext,
  identity: ImageIdentity | { imageId: number },
): Promise<ImageSource> {
  let record: ImageRecord | null = null;
  if ('computeResourceId' in identity) record = await ctx.loaders.images.load(identity);
  // Not under the compute resource its global id names: it may have moved since the id was
  // issued (updateImage can move it), so look for it by Foreman id before saying it is gone.
  record ??= await ctx.loaders.imagesByForemanId.load(identity.imageId);
  if (!record) {
    const shown =
      'computeResourceId' in identity ? encodeImageId(identity) : String(identity.imageId);
    throw notFound('Image', shown);
  }
  return sourceOf('Image', record);
}

export function loadNode(ctx: GatewayContext, identity: NodeIdentity): Promise<NodeSource> {
  switch (identity.typeName) {
    case 'Architecture':
      return loadArchitecture(ctx, identity.foremanId);
    case 'Operatingsystem':
      return loadOperatingSystem(ctx, identity.foremanId);
    case 'ComputeResource':
      return loadComputeResource(ctx, identity.foremanId);
    case 'Image':
      return loadImage(ctx, identity);
  }
}
