import { type DemoResponse, fail, json } from '../http/responses.js';
import { isBlank, rubyInspect, rubyInteger, rubyToI } from '../http/ruby.js';
import { compileSearch } from '../search/evaluator.js';
import type { SearchDefinition } from '../search/fields.js';
import { compileOrder } from '../search/order.js';
import { hasPermission } from '../users.js';
import type { HandlerContext } from './context.js';

export interface ListingOptions<T extends { id: number }> {
  /** Every record the caller may see under the parent, in the default order. */
  records: readonly T[];
  definition: SearchDefinition<T>;
  render: (record: T) => unknown;
  /** Permission suffix for include_permissions, e.g. 'images'. */
  resource: string;
}

/**
 * An index answer in Foreman's layout (index_layout.json.erb) with scoped_search and
 * will_paginate semantics. Search and order errors (400) come first, as search_for runs
 * before paginate; bad page values then fail with the 500 Foreman's rescue_from turns them into.
 */
export function indexResponse<T extends { id: number }>(
  ctx: HandlerContext,
  options: ListingOptions<T>,
): DemoResponse {
  const { query } = ctx.request;
  const { records, definition } = options;
  const predicate = compileSearch(query.search ?? '', definition);
  const comparator = compileOrder(query.order, definition);
  const matched = predicate ? records.filter(predicate) : [...records];
  if (comparator) matched.sort(comparator);

  const total = records.length;
  const subtotal = isBlank(query.search) ? total : matched.length;
  let results: T[];
  let perPageShown: number;
  if (query.per_page === 'all') {
    results = matched;
    perPageShown = total;
  } else {
    const page = pageNumber(query.page);
    const perPage = query.per_page === undefined ? ctx.defaultPerPage : rubyToI(query.per_page);
    if (perPage < 0) {
      fail(500, {
        error: { message: 'PG::InvalidRowCountInLimitClause: ERROR:  LIMIT must not be negative' },
      });
    }
    results = matched.slice((page - 1) * perPage, page * perPage);
    perPageShown = isBlank(query.per_page) ? ctx.defaultPerPage : rubyToI(query.per_page ?? '');
  }

  const envelope: Record<string, unknown> = {
    total,
    subtotal,
    page: isBlank(query.page) ? 1 : rubyToI(query.page ?? ''),
    per_page: perPageShown,
    search: query.search ?? null,
    sort: sortMetadata(query.order),
  };
  if (query.include_permissions !== undefined) {
    envelope.can_create = hasPermission(ctx.account, `create_${options.resource}`);
    envelope.can_edit = hasPermission(ctx.account, `edit_${options.resource}`);
  }
  envelope[query.root_name || 'results'] = results.map(options.render);
  return json(200, envelope);
}

/** will_paginate's PageNumber: Kernel#Integer, then >= 1. */
function pageNumber(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const page = rubyInteger(raw);
  if (page === null) {
    fail(500, { error: { message: `invalid value for Integer(): ${rubyInspect(raw)}` } });
  }
  if (page < 1) fail(500, { error: { message: `invalid page: ${page}` } });
  return page;
}

/** `order` split on whitespace: the field, and the direction as sent or "ASC". */
function sortMetadata(order: string | undefined) {
  if (isBlank(order)) return { by: null, order: null };
  const [by, direction] = (order ?? '').trim().split(/\s+/);
  return { by: by ?? null, order: direction ?? 'ASC' };
}
