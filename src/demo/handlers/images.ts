import { paramString } from '../http/request.js';
import { type DemoResponse, json, notFound } from '../http/responses.js';
import type { ImageRecord } from '../records.js';
import { renderImage } from '../render/image.js';
import { imageSearch } from '../search/definitions.js';
import type { HandlerContext } from './context.js';
import { findImage } from './finders.js';
import { indexResponse } from './listing.js';
import { chooseParent, type ResolvedParent, resolveParent } from './parents.js';

/** A model parent, or a taxonomy that replaced it and filters nothing. */
export type ImageParent = ResolvedParent | { kind: 'taxonomy' };

/**
 * find_required_nested_object: a missing or invisible parent is a 404 that names the
 * image id (empty on index and create), never the parent. A `location_id`/`organization_id`
 * parameter becomes the parent instead, and since Image has no such association the parent
 * filter is silently dropped; set_taxonomy has already rejected unknown taxonomies.
 */
export function requireImageParent(ctx: HandlerContext): ImageParent {
  const chosen = chooseParent(ctx.params);
  if (chosen?.kind === 'location' || chosen?.kind === 'organization') return { kind: 'taxonomy' };
  const resolved = chosen ? resolveParent(ctx, chosen.kind, chosen.raw) : undefined;
  if (!resolved) return notFound('image', paramString(ctx.params.get('id')));
  return resolved;
}

/** The parent's images. Images are global: an architecture or OS parent shows every CR's. */
export function imagesUnder(ctx: HandlerContext, parent: ImageParent): ImageRecord[] {
  const keep = (image: ImageRecord): boolean => {
    switch (parent.kind) {
      case 'compute_resource':
        return image.computeResourceId === parent.record.id;
      case 'architecture':
        return image.architectureId === parent.record.id;
      case 'operatingsystem':
        return image.operatingsystemId === parent.record.id;
      case 'taxonomy':
        return true;
    }
  };
  // Foreman leaves image order unspecified; id order keeps paging stable.
  return ctx.store.images.filter(keep).sort((a, b) => a.id - b.id);
}

/** find_resource within the parent: an image of another parent is a 404 too. */
export function findImageUnder(ctx: HandlerContext, parent: ImageParent): ImageRecord {
  const raw = paramString(ctx.params.get('id'));
  return findImage(imagesUnder(ctx, parent), raw) ?? notFound('image', raw);
}

export function listImages(ctx: HandlerContext): DemoResponse {
  const parent = requireImageParent(ctx);
  const offset = ctx.account.utcOffsetMinutes;
  return indexResponse(ctx, {
    records: imagesUnder(ctx, parent),
    definition: imageSearch(ctx.store),
    render: (image) => renderImage(ctx.store, image, offset),
    resource: 'images',
  });
}

export function showImage(ctx: HandlerContext): DemoResponse {
  const image = findImageUnder(ctx, requireImageParent(ctx));
  return json(200, renderImage(ctx.store, image, ctx.account.utcOffsetMinutes));
}
