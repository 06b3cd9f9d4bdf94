import { paramString } from '../http/request.js';
import { type DemoResponse, json, notFound } from '../http/responses.js';
import { renderComputeResource, renderComputeResourceShow } from '../render/compute.js';
import { computeResourceSearch } from '../search/definitions.js';
import { type HandlerContext, visibleComputeResources } from './context.js';
import { findComputeResource } from './finders.js';
import { indexResponse } from './listing.js';

/**
 * Compute resources are the only taxonomy-scoped model here: a location/organization parent
 * (path or query) is already the current taxonomy, which visibleComputeResources applies.
 */
export function listComputeResources(ctx: HandlerContext): DemoResponse {
  const offset = ctx.account.utcOffsetMinutes;
  return indexResponse(ctx, {
    records: visibleComputeResources(ctx),
    definition: computeResourceSearch(ctx.store),
    render: (cr) => renderComputeResource(cr, offset),
    resource: 'compute_resources',
  });
}

export function showComputeResource(ctx: HandlerContext): DemoResponse {
  const raw = paramString(ctx.params.get('id'));
  const cr = findComputeResource(visibleComputeResources(ctx), raw);
  if (!cr) return notFound('compute_resource', raw);
  return json(200, renderComputeResourceShow(ctx.store, cr, ctx.account.utcOffsetMinutes));
}
