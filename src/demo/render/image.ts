import { osLabel } from '../os-label.js';
import { providerOf } from '../providers.js';
import type { ImageRecord } from '../records.js';
import type { DemoStore } from '../store.js';
import { isoTime, renderTime } from './time.js';

/**
 * app/views/api/v2/images/main.json.rabl, used for index items, show, create and update.
 * `user_data` and `iam_role` are absent (not null) unless the provider has them, and `password`
 * is never rendered.
 */
export function renderImage(
  store: DemoStore,
  image: ImageRecord,
  utcOffsetMinutes: number,
): Record<string, unknown> {
  const os = store.operatingsystem(image.operatingsystemId);
  const cr = store.computeResource(image.computeResourceId);
  const arch = store.architecture(image.architectureId);
  const out: Record<string, unknown> = {
    operatingsystem_id: image.operatingsystemId,
    operatingsystem_name: os ? osLabel(os) : null,
    compute_resource_id: image.computeResourceId,
    compute_resource_name: cr?.name ?? null,
    architecture_id: image.architectureId,
    architecture_name: arch?.name ?? null,
    uuid: image.uuid,
    username: image.username,
    created_at: renderTime(image.createdAt, utcOffsetMinutes),
    updated_at: renderTime(image.updatedAt, utcOffsetMinutes),
  };
  if (cr && providerOf(cr).userDataSupported) out.user_data = image.userData;
  if (cr?.type === 'Foreman::Model::EC2') out.iam_role = image.iamRole;
  out.id = image.id;
  out.name = image.name;
  return out;
}

/**
 * Images have no destroy template, so DELETE answers `render json: record`: every column in
 * table order, the clear-text password included, ISO timestamps.
 */
export function rawImageRow(image: ImageRecord): Record<string, unknown> {
  return {
    id: image.id,
    operatingsystem_id: image.operatingsystemId,
    compute_resource_id: image.computeResourceId,
    architecture_id: image.architectureId,
    uuid: image.uuid,
    username: image.username,
    name: image.name,
    created_at: isoTime(image.createdAt),
    updated_at: isoTime(image.updatedAt),
    iam_role: image.iamRole,
    user_data: image.userData,
    password: image.password,
  };
}

/** `images/base`: the id-and-name children of architecture, OS and CR show. */
export function imageChildren(images: readonly ImageRecord[], keep: (i: ImageRecord) => boolean) {
  return images.filter(keep).map((i) => ({ id: i.id, name: i.name }));
}
