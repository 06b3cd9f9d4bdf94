import type { GatewayContext } from '../../context.js';
import { AUDIT_ACTIONS, auditedChanges } from '../../foreman/changes.js';
import { UpstreamError } from '../../foreman/errors.js';
import type { AuditRecord, ImageRecord } from '../../foreman/records.js';
import { RESOURCES } from '../../foreman/resources.js';
import { timestamp } from '../../foreman/timestamps.js';
import { builder } from '../builder.js';
import { defineConnection, listRequest, type UncountedPage } from '../connections.js';
import { badUserInput } from '../errors.js';
import { type ChangeDetailsSource, ImageChangeDetails } from './image-changes.js';

/** One row of an image's audit log, as its history shows it. */
interface HistoryEntrySource extends ChangeDetailsSource {
  auditId: number;
}

const ImageHistoryEntry = builder.objectRef<HistoryEntrySource>('ImageHistoryEntry').implement({
  description:
    "One change in an image's history, from Foreman's audit log (its audit row). The same change told by `imageChanged` carries the same `changes`.",
  interfaces: [ImageChangeDetails],
  fields: (t) => ({
    auditId: t.int({
      description: "Foreman's id of the audit row (`GET /api/audits/:id`).",
      resolve: (entry) => entry.auditId,
    }),
  }),
});

export const ImageHistoryConnection = defineConnection(
  'ImageHistory',
  ImageHistoryEntry,
  (entry: HistoryEntrySource) => entry,
  {
    totalCount: false,
    items: "entries of an image's history",
    item: 'history entry',
    cursor: 'Pass as `after` to read on from here.',
  },
);

/**
 * `Image.history`: a page of the image's audit rows, newest first. Pages of many images asked for
 * at once share requests (ForemanApi.imageHistory). Arguments are checked as every list's are.
 */
export async function imageHistory(
  ctx: GatewayContext,
  image: ImageRecord,
  args: { first?: number | null | undefined; after?: string | null | undefined },
): Promise<UncountedPage<HistoryEntrySource>> {
  const order = RESOURCES.audit.defaultOrder;
  const request = listRequest({ first: args.first, after: args.after }, ctx.limits, order);
  if (request.after?.kind === 'offset') {
    throw badUserInput('Argument "after" is not a cursor of a history', 'after');
  }
  const page = await ctx.foreman.imageHistory({
    imageId: image.id,
    first: request.first ?? ctx.limits.defaultPageSize,
    afterId: request.after?.id,
  });
  // Each entry knows the image: it says which attributes Foreman shows for it.
  return { ...page, rows: page.rows.map((audit) => entryOf(audit, image)) };
}

function entryOf(audit: AuditRecord, image: ImageRecord): HistoryEntrySource {
  const at = timestamp(audit.created_at);
  if (at === null) {
    throw new UpstreamError({
      kind: 'invalid_response',
      status: 200,
      message: `Foreman answered audit ${audit.id} without a readable time`,
      method: 'GET',
      path: '/api/audits',
    });
  }
  return {
    auditId: audit.id,
    action: AUDIT_ACTIONS[audit.action],
    at,
    by: audit.user_name,
    requestId: audit.request_uuid,
    changes: auditedChanges(audit),
    image,
  };
}
