import type { AuditAuthor } from '../audits/auditor.js';
import { type DemoResponse, fail, json } from '../http/responses.js';
import { rawImageRow, renderImage } from '../render/image.js';
import {
  prepareImageCreate,
  prepareImageDestroy,
  prepareImageUpdate,
} from '../writes/image-writes.js';
import type { HandlerContext } from './context.js';
import { assignImageParams, type ImageDraft, permittedImageParams } from './image-params.js';
import { stripChanged, validateImage } from './image-validation.js';
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
  const write = prepareImageCreate(ctx.store, draft, authorOf(ctx), ctx.now());
  write.commit();
  return json(201, renderImage(ctx.store, write.image, ctx.account.utcOffsetMinutes));
}

/** PUT/PATCH: a partial update; `updated_at` moves only when an attribute really changed. */
export function updateImage(ctx: HandlerContext): DemoResponse {
  const image = findImageUnder(ctx, requireImageParent(ctx));
  const { id: _id, createdAt: _created, updatedAt: _updated, ...original } = image;
  const draft: ImageDraft = { ...original };
  assignImageParams(ctx, draft, permittedImageParams(ctx.body));
  stripChanged(draft, original);
  const errors = validateImage(ctx.store, draft, image.id);
  if (!errors.empty) return json(422, errors.body(image.id));
  const write = prepareImageUpdate(ctx.store, image, draft, authorOf(ctx), ctx.now());
  write.commit();
  return json(200, renderImage(ctx.store, write.image, ctx.account.utcOffsetMinutes));
}

/** DELETE: 200 with the raw row, clear-text password included. */
export function destroyImage(ctx: HandlerContext): DemoResponse {
  const image = findImageUnder(ctx, requireImageParent(ctx));
  prepareImageDestroy(ctx.store, image, authorOf(ctx), ctx.now()).commit();
  return json(200, rawImageRow(image));
}

function assignOwner(draft: ImageDraft, parent: Exclude<ImageParent, { kind: 'taxonomy' }>) {
  if (parent.kind === 'compute_resource') draft.computeResourceId = parent.record.id;
  if (parent.kind === 'architecture') draft.architectureId = parent.record.id;
  if (parent.kind === 'operatingsystem') draft.operatingsystemId = parent.record.id;
}

/** Audited::Sweeper's store for this request: the API user, remote_ip and request id. */
function authorOf(ctx: HandlerContext): AuditAuthor {
  return {
    account: ctx.account,
    remoteAddress: ctx.request.remoteIp,
    requestUuid: ctx.request.requestId,
  };
}
