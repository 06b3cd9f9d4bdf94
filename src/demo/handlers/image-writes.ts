import { type DemoResponse, fail, json } from '../http/responses.js';
import type { ImageRecord } from '../records.js';
import { rawImageRow, renderImage } from '../render/image.js';
import type { HandlerContext } from './context.js';
import { assignImageParams, type ImageDraft, permittedImageParams } from './image-params.js';
import { foreignKeyViolationOf, stripChanged, validateImage } from './image-validation.js';
import { findImageUnder, type ImageParent, requireImageParent } from './images.js';

/** What Foreman answers for a NoMethodError, e.g. `Location#images` on create. */
const NO_METHOD_MESSAGE =
  "Internal Server Error: the server was unable to finish the request. This may be caused by unavailability of some required service, incorrect API call or a server-side bug. There may be more information in the server's logs.";

/** POST: `nested_obj.images.new(image_params)`; the parent's key wins over the body's. */
export function createImage(ctx: HandlerContext): DemoResponse {
  const parent = requireImageParent(ctx);
  if (parent.kind === 'taxonomy') return fail(500, { error: { message: NO_METHOD_MESSAGE } });
  const draft: ImageDraft = {
    name: null,
    uuid: null,
    username: null,
    password: null,
    iamRole: null,
    userData: false,
    operatingsystemId: null,
    computeResourceId: null,
    architectureId: null,
  };
  assignImageParams(ctx, draft, permittedImageParams(ctx.body));
  assignOwner(draft, parent);
  stripChanged(draft, null);
  const errors = validateImage(ctx.store, draft, null);
  if (!errors.empty) return json(422, errors.body(null));
  const violation = foreignKeyViolationOf(ctx.store, draft, null);
  if (violation) {
    // The failed INSERT already took its id from the sequence.
    ctx.store.reserveImageId();
    throw violation;
  }
  const now = ctx.now();
  const image = ctx.store.insertImage({ ...complete(draft), createdAt: now, updatedAt: now });
  return json(201, renderImage(ctx.store, image, ctx.account.utcOffsetMinutes));
}

/** PUT/PATCH: a partial update; `updated_at` moves only when an attribute really changed. */
export function updateImage(ctx: HandlerContext): DemoResponse {
  const image = findImageUnder(ctx, requireImageParent(ctx));
  const original = toDraft(image);
  const draft = { ...original };
  assignImageParams(ctx, draft, permittedImageParams(ctx.body));
  stripChanged(draft, original);
  const errors = validateImage(ctx.store, draft, image.id);
  if (!errors.empty) return json(422, errors.body(image.id));
  const violation = foreignKeyViolationOf(ctx.store, draft, original);
  if (violation) throw violation;
  const changed = (Object.keys(draft) as Array<keyof ImageDraft>).some(
    (key) => draft[key] !== original[key],
  );
  const updated: ImageRecord = {
    ...image,
    ...complete(draft),
    updatedAt: changed ? ctx.now() : image.updatedAt,
  };
  ctx.store.replaceImage(updated);
  return json(200, renderImage(ctx.store, updated, ctx.account.utcOffsetMinutes));
}

/** DELETE: 200 with the raw row, clear-text password included. */
export function destroyImage(ctx: HandlerContext): DemoResponse {
  const image = findImageUnder(ctx, requireImageParent(ctx));
  ctx.store.deleteImage(image.id);
  return json(200, rawImageRow(image));
}

function assignOwner(draft: ImageDraft, parent: Exclude<ImageParent, { kind: 'taxonomy' }>) {
  if (parent.kind === 'compute_resource') draft.computeResourceId = parent.record.id;
  if (parent.kind === 'architecture') draft.architectureId = parent.record.id;
  if (parent.kind === 'operatingsystem') draft.operatingsystemId = parent.record.id;
}

function toDraft(image: ImageRecord): ImageDraft {
  const { id: _id, createdAt: _created, updatedAt: _updated, ...draft } = image;
  return draft;
}

/** Validation guarantees these; the check keeps the types honest. */
function complete(draft: ImageDraft): Omit<ImageRecord, 'id' | 'createdAt' | 'updatedAt'> {
  const { name, uuid, username, operatingsystemId, computeResourceId, architectureId } = draft;
  if (
    name === null ||
    uuid === null ||
    username === null ||
    operatingsystemId === null ||
    computeResourceId === null ||
    architectureId === null
  ) {
    throw new Error('image draft saved without passing validation');
  }
  return { ...draft, name, uuid, username, operatingsystemId, computeResourceId, architectureId };
}
