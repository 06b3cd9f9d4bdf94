import { paramString } from '../http/request.js';
import { type DemoResponse, fail, json, notFound } from '../http/responses.js';
import { isBlank, rubyToI } from '../http/ruby.js';
import type { AuditRecord } from '../records.js';
import { renderAudit } from '../render/audit.js';
import { auditSearch } from '../search/audit-search.js';
import type { HandlerContext } from './context.js';
import { indexResponse } from './listing.js';
import { chooseParent, resolveParent } from './parents.js';

/**
 * The audits a `view_audit_logs` holder may read: all of them. Audit.authorized applies only
 * search filters on that permission, the Authorizer skips taxonomies for Audit, and the API
 * never calls the UI's taxed_and_untaxed scope, so a viewer reads audits of images in compute
 * resources it cannot see. Only a location_id/organization_id parameter narrows the list: it
 * becomes the nested parent and joins the audits' own taxonomies, which image audits never have.
 * An operatingsystem_id parent joins AuditSearch's `search_os` on auditable_id, whatever the
 * audited type. Any other model parent has no association from Audit, a RuntimeError (500).
 *
 * The default order is scoped_search's default_order on `time`, DESC. Foreman leaves ties
 * unordered; the demo puts the higher id first.
 */
function auditScope(ctx: HandlerContext): AuditRecord[] {
  const all = [...ctx.store.audits].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id,
  );
  const parent = chooseParent(ctx.params);
  if (!parent) return all;
  if (parent.kind === 'operatingsystem') {
    const os = resolveParent(ctx, parent.kind, parent.raw);
    return all.filter((a) => os !== undefined && a.auditableId === os.record.id);
  }
  if (parent.kind !== 'location' && parent.kind !== 'organization') {
    return fail(500, { error: { message: `Association not found for ${parent.kind}` } });
  }
  const ids = (a: AuditRecord) => (parent.kind === 'location' ? a.locationIds : a.organizationIds);
  if (isBlank(parent.raw)) {
    // Admins get no parent; others the taxonomies they belong to (User#my_locations).
    if (ctx.account.admin) return all;
    const mine = parent.kind === 'location' ? ctx.account.locationIds : ctx.account.organizationIds;
    return all.filter((a) => ids(a).some((id) => mine.includes(id)));
  }
  // set_taxonomy already refused unknown or foreign taxonomies with its 404.
  const current = ctx.taxonomy[parent.kind];
  return all.filter((a) => current !== undefined && ids(a).includes(current.id));
}

export function listAudits(ctx: HandlerContext): DemoResponse {
  const offset = ctx.account.utcOffsetMinutes;
  return indexResponse(ctx, {
    records: auditScope(ctx),
    definition: auditSearch(ctx.store, ctx.account, ctx.now()),
    render: (audit) => renderAudit(ctx.store, audit, offset),
    resource: 'audit_logs',
  });
}

/** Audit is no ApplicationRecord: no from_param, so `find` casts the id with to_i. */
export function showAudit(ctx: HandlerContext): DemoResponse {
  const raw = paramString(ctx.params.get('id'));
  const id = rubyToI(raw);
  const audit = auditScope(ctx).find((a) => a.id === id);
  if (!audit) return notFound('audit', raw);
  return json(200, renderAudit(ctx.store, audit, ctx.account.utcOffsetMinutes));
}
