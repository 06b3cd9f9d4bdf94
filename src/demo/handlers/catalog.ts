import { paramString } from '../http/request.js';
import { type DemoResponse, fail, json, notFound } from '../http/responses.js';
import type { ArchitectureRecord, OperatingsystemRecord } from '../records.js';
import {
  renderArchitecture,
  renderArchitectureShow,
  renderOperatingsystem,
  renderOperatingsystemShow,
} from '../render/catalog.js';
import { architectureSearch, operatingsystemSearch } from '../search/definitions.js';
import { textCollator } from '../search/evaluator.js';
import type { HandlerContext } from './context.js';
import { findArchitecture, findOperatingsystem } from './finders.js';
import { indexResponse } from './listing.js';
import { chooseParent, resolveParent } from './parents.js';

/**
 * Architectures, optionally nested under an operating system. The parent is optional
 * (find_optional_nested_object), so an unknown one is the unwrapped `not_found(String)` body.
 * Foreman leaves the order unspecified; id order keeps paging stable.
 */
function architectureScope(ctx: HandlerContext): ArchitectureRecord[] {
  const all = [...ctx.store.architectures].sort((a, b) => a.id - b.id);
  const parent = chooseParent(ctx.params);
  if (parent?.kind !== 'operatingsystem') return all;
  const os = resolveParent(ctx, 'operatingsystem', parent.raw);
  if (os?.kind !== 'operatingsystem') {
    return fail(404, { message: `Operatingsystem not found by id '${parent.raw}'` });
  }
  return all.filter((a) => os.record.architectureIds.includes(a.id));
}

/** Operating systems (default scope: by title), optionally nested under an architecture. */
function operatingsystemScope(ctx: HandlerContext): OperatingsystemRecord[] {
  const all = [...ctx.store.operatingsystems].sort(
    (a, b) => textCollator.compare(a.title, b.title) || a.id - b.id,
  );
  const parent = chooseParent(ctx.params);
  if (parent?.kind !== 'architecture') return all;
  const arch = resolveParent(ctx, 'architecture', parent.raw);
  if (arch?.kind !== 'architecture') {
    return fail(404, { message: `Architecture not found by id '${parent.raw}'` });
  }
  return all.filter((o) => o.architectureIds.includes(arch.record.id));
}

export function listArchitectures(ctx: HandlerContext): DemoResponse {
  const offset = ctx.account.utcOffsetMinutes;
  return indexResponse(ctx, {
    records: architectureScope(ctx),
    definition: architectureSearch(),
    render: (a) => renderArchitecture(a, offset),
    resource: 'architectures',
  });
}

export function showArchitecture(ctx: HandlerContext): DemoResponse {
  const raw = paramString(ctx.params.get('id'));
  const arch = findArchitecture(architectureScope(ctx), raw);
  if (!arch) return notFound('architecture', raw);
  return json(200, renderArchitectureShow(ctx.store, arch, ctx.account.utcOffsetMinutes));
}

export function listOperatingsystems(ctx: HandlerContext): DemoResponse {
  const offset = ctx.account.utcOffsetMinutes;
  return indexResponse(ctx, {
    records: operatingsystemScope(ctx),
    definition: operatingsystemSearch(ctx.store),
    render: (o) => renderOperatingsystem(o, offset),
    resource: 'operatingsystems',
  });
}

export function showOperatingsystem(ctx: HandlerContext): DemoResponse {
  const raw = paramString(ctx.params.get('id'));
  const os = findOperatingsystem(operatingsystemScope(ctx), raw);
  if (!os) return notFound('operatingsystem', raw);
  const { query } = ctx.request;
  const showHidden = query.show_hidden === 'true' || query.show_hidden_parameters === 'true';
  return json(200, renderOperatingsystemShow(ctx.store, os, ctx.account, showHidden));
}
