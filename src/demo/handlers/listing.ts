import { DatabaseError } from '../database-errors.js';
import { type DemoResponse, fail, json } from '../http/responses.js';
import { isBlank, rubyInspect, rubyInteger, rubyToI } from '../http/ruby.js';
import { compileSearch, type Predicate } from '../search/evaluator.js';
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
 * will_paginate semantics, failing in Foreman's order: search and order errors (400) as
 * search_for builds the scope, then bad page values (500) as paginate does, then what
 * PostgreSQL refuses once the query runs (500, e.g. an id beyond 32 bits).
 */
export function indexResponse<T extends { id: number }>(
  ctx: HandlerContext,
  options: ListingOptions<T>,
): DemoResponse {
  const { query } = ctx.request;
  const { records, definition } = options;
  let predicate: Predicate<T> | null = null;
  let databaseError: DatabaseError | null = null;
  try {
    predicate = compileSearch(query.search ?? '', definition);
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error;
    databaseError = error;
  }
  const comparator = compileOrder(query.order, definition);
  const paging =
    query.per_page === 'all'
      ? null
      : {
          page: pageNumber(query.page),
          perPage: query.per_page === undefined ? ctx.defaultPerPage : rubyToI(query.per_page),
        };
  if (databaseError) throw databaseError;
  if (paging && paging.perPage < 0) {
    fail(500, {
      error: { message: 'PG::InvalidRowCountInLimitClause: ERROR:  LIMIT must not be negative' },
    });
  }
  const matched = predicate ? records.filter(predicate) : [...records];
  if (comparator) matched.sort(comparator);

  const total = records.length;
  const subtotal = isBlank(query.search) ? total : matched.length;
  let results: T[];
  let perPageShown: number;
  if (!paging) {
    results = matched;
    perPageShown = total;
  } else {
    const { page, perPage } = paging;
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
