import type { ForemanApi } from '../foreman/api.js';
import {
  type ChangeNotice,
  type ImageChangeEvent,
  type ImagePlace,
  placeOf,
} from '../foreman/changes.js';

/**
 * What a subscriber may learn of a change, read with that subscriber's own credentials (`api`).
 * Foreman shows every image audit to anyone with `view_audit_logs`, whatever compute resources
 * they may see, and lists images under architectures regardless of compute resource: so the test
 * is the compute resource. The image is shown when its compute resource is visible; a change is
 * told at all only if the subscriber can see a compute resource the image is or was in (a delete,
 * or a move out of sight, then comes with `image: null`); otherwise nothing, not even its id.
 */
export async function viewFor(
  api: ForemanApi,
  notice: ChangeNotice,
): Promise<ImageChangeEvent | null> {
  const last = notice.places.at(-1)?.computeResourceId;
  const image =
    notice.action === 'deleted'
      ? null
      : await api.image({ imageId: notice.imageId, computeResourceId: last });
  const candidates = new Set(
    [...notice.places.map((place) => place.computeResourceId), image?.compute_resource_id].filter(
      (id): id is number => id !== undefined,
    ),
  );
  const visible = new Set<number>();
  await Promise.all(
    [...candidates].map(async (id) => {
      if (await api.record('computeResource', id)) visible.add(id);
    }),
  );
  const shown = image && visible.has(image.compute_resource_id) ? image : null;
  const wasVisible = notice.places.some(
    (place) => place.computeResourceId !== undefined && visible.has(place.computeResourceId),
  );
  if (!shown && !wasVisible) return null;
  return {
    ...notice,
    places: shown ? [...notice.places, placeOf(shown)] : notice.places,
    image: shown,
  };
}

/** Whether a change concerns a subscription's filter: some place of it has every filtered parent. */
export function matches(event: ImageChangeEvent, filter: ImagePlace): boolean {
  const keys = (Object.keys(filter) as Array<keyof ImagePlace>).filter(
    (key) => filter[key] !== undefined,
  );
  if (keys.length === 0) return true;
  return event.places.some((place) => keys.every((key) => place[key] === filter[key]));
}
