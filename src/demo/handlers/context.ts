import type { DemoRequest } from '../http/request.js';
import type { DemoResponse } from '../http/responses.js';
import type { ComputeResourceRecord, TaxonomyRecord } from '../records.js';
import { textCollator } from '../search/evaluator.js';
import type { DemoStore } from '../store.js';
import type { DemoAccount } from '../users.js';

/** The current location/organization set by `location_id`/`organization_id`. */
export interface TaxonomyContext {
  location?: TaxonomyRecord;
  organization?: TaxonomyRecord;
}

/** Everything a route handler needs; built once authentication and the taxonomy passed. */
export interface HandlerContext {
  store: DemoStore;
  request: DemoRequest;
  account: DemoAccount;
  /** The parsed JSON body, if any. */
  body: unknown;
  /** Rails' merged params in Rails' order: body, query, path (see mergeParams). */
  params: ReadonlyMap<string, unknown>;
  taxonomy: TaxonomyContext;
  defaultPerPage: number;
  now(): Date;
}

export type RouteHandler = (ctx: HandlerContext) => DemoResponse;

/**
 * Compute resources the caller may see: Taxonomix limits non-admins to resources in one of their
 * locations and one of their organizations, and a current taxonomy limits everyone. Ordered by
 * name, ComputeResource's default scope.
 */
export function visibleComputeResources(ctx: HandlerContext): ComputeResourceRecord[] {
  const { account, taxonomy } = ctx;
  const overlaps = (ids: number[], allowed: readonly number[]) =>
    ids.some((id) => allowed.includes(id));
  return ctx.store.computeResources
    .filter(
      (cr) =>
        account.admin ||
        (overlaps(cr.locationIds, account.locationIds) &&
          overlaps(cr.organizationIds, account.organizationIds)),
    )
    .filter((cr) => !taxonomy.location || cr.locationIds.includes(taxonomy.location.id))
    .filter((cr) => !taxonomy.organization || cr.organizationIds.includes(taxonomy.organization.id))
    .sort((a, b) => textCollator.compare(a.name, b.name) || a.id - b.id);
}
