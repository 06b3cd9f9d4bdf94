import type { ListParams, ResourceName } from '../records.js';
import { type ImageParent, RESOURCES } from '../resources.js';

/**
 * REST paths and query parameters. Ids are numbers checked here once more, so nothing but a
 * positive integer ever reaches a URL.
 */

export function collectionPath(resource: ResourceName): string {
  return `/api/${RESOURCES[resource].collection}`;
}

export function memberPath(resource: ResourceName, id: number): string {
  return `${collectionPath(resource)}/${checkedId(id)}`;
}

export function imagesPath(parent: ImageParent): string {
  return `${memberPath(parent.resource, parent.id)}/images`;
}

/** Image writes go under the image's compute resource. */
export function imagePath(computeResourceId: number, imageId: number): string {
  return `${imagesPath({ resource: 'computeResource', id: computeResourceId })}/${checkedId(imageId)}`;
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
