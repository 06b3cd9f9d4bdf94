import type { ForemanClient } from '../http/client.js';
import type { ImageRecord } from '../records.js';
import { imagePath, imagesPath } from './paths.js';

/**
 * Image writes under their compute resource. Bodies are always wrapped as
 * `{"image": {…}}`: unwrapped `*_id` keys would silently replace the route's parent.
 * Each is sent exactly once; the client never retries a write.
 */

/** Attributes as Foreman names them; `null` clears, an absent key leaves the value alone. */
export interface ImageAttributes {
  name?: string | null;
  username?: string | null;
  uuid?: string | null;
  password?: string | null;
  user_data?: boolean | null;
  iam_role?: string | null;
  architecture_id?: number | null;
  operatingsystem_id?: number | null;
  compute_resource_id?: number | null;
}

export function postImage(
  client: ForemanClient,
  computeResourceId: number,
  attributes: ImageAttributes,
): Promise<ImageRecord> {
  return client.send<ImageRecord>(
    'POST',
    imagesPath({ resource: 'computeResource', id: computeResourceId }),
    { image: attributes },
  );
}

export function putImage(
  client: ForemanClient,
  image: ImageRecord,
  attributes: ImageAttributes,
): Promise<ImageRecord> {
  return client.send<ImageRecord>('PUT', imagePath(image.compute_resource_id, image.id), {
    image: attributes,
  });
}

/**
 * Foreman answers a delete with the raw database row, password in clear text included.
 * That body is read (to free the connection) and dropped here, so it can reach nothing else.
 */
export async function deleteImage(client: ForemanClient, image: ImageRecord): Promise<void> {
  await client.send<unknown>('DELETE', imagePath(image.compute_resource_id, image.id));
}
