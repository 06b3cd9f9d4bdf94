import type { Collection, ImageParent, ListParams } from './records.js';

/**
 * REST paths and query parameters. Ids are numbers checked here once more, so nothing but a
 * positive integer ever reaches a URL.
 */

export function collectionPath(collection: Collection): string {
  return `/api/${collection}`;
}

export function memberPath(collection: Collection, id: number): string {
  return `${collectionPath(collection)}/${checkedId(id)}`;
}

export function imagesPath(parent: ImageParent): string {
  return `${memberPath(parent.collection, parent.id)}/images`;
}

export function imagePath(computeResourceId: number, imageId: number): string {
  return `${imagesPath({ collection: 'compute_resources', id: computeResourceId })}/${checkedId(imageId)}`;
}

/**
 * Only `page`, `per_page`, `search` and `order`: an extra `*_id` parameter would silently replace
 * the parent of an image route.
 */
export function listQuery(params: ListParams): Record<string, string> {
  const query: Record<string, string> = {
    page: String(params.page),
    per_page: String(params.perPage),
  };
  if (params.search !== undefined && params.search !== '') query.search = params.search;
  if (params.order !== undefined && params.order !== '') query.order = params.order;
  return query;
}

function checkedId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`not a Foreman id: ${id}`);
  return id;
}
