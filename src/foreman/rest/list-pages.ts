import { recoverNotFound } from '../errors.js';
import { type Cursor, idOrderDirection, type ListPage, type ListRequest } from '../lists.js';
import type { IndexEnvelope, ListParams } from '../records.js';
import { planPages, type RowWindow, sliceWindow } from './pages.js';
import { idCompared } from './search.js';

/** Reads one index page of some list (deduplicated per request by the caller). */
export type PageReader<T> = (params: ListParams) => Promise<IndexEnvelope<T>>;

type Direction = 'asc' | 'desc';

/**
 * One page of a list. Ordered by id, the page is one request whatever its depth: the cursors
 * become `id > N` / `id < N` conditions, `last` reads the reverse order. Any other order maps
 * offsets onto the fewest Foreman pages that cover them.
 */
export function readList<T extends { id: number }>(
  readPage: PageReader<T>,
  request: ListRequest,
): Promise<ListPage<T>> {
  const direction = idOrderDirection(request.order);
  const byOffset = request.after?.kind === 'offset' || request.before?.kind === 'offset';
  return direction && !byOffset
    ? readByIds([readPage], request, direction)
    : readByOffsets(readPage, request);
}

/**
 * The same over several lists at once, merged into one order by id: images across every compute
 * resource. Each list is read once per page; ids are unique across them, so the merge is exact.
 */
export function readMergedByIds<T extends { id: number }>(
  readPages: PageReader<T>[],
  request: ListRequest,
): Promise<ListPage<T>> {
  const direction = idOrderDirection(request.order);
  if (!direction || request.after?.kind === 'offset' || request.before?.kind === 'offset') {
    throw new RangeError('merged lists are ordered by id and paged by id cursors');
  }
  return readByIds(readPages, request, direction);
}

async function readByIds<T extends { id: number }>(
  readPages: PageReader<T>[],
  request: ListRequest,
  direction: Direction,
): Promise<ListPage<T>> {
  const backward = request.last !== undefined;
  const count = (backward ? request.last : request.first) ?? 0;
  const after = idOf(request.after);
  const before = idOf(request.before);
  const later = direction === 'asc' ? '>' : '<';
  const earlier = direction === 'asc' ? '<' : '>';
  const conditions = [
    ...(after !== undefined ? [idCompared(later, after)] : []),
    ...(before !== undefined ? [idCompared(earlier, before)] : []),
  ];
  const readDirection: Direction = backward ? flip(direction) : direction;
  const params: ListParams = {
    page: 1,
    // Foreman cannot send zero rows; one row more than asked for costs nothing.
    perPage: Math.max(1, count),
    search: combine(request.search, conditions),
    order: readDirection === 'asc' ? 'id' : 'id DESC',
  };
  const pages = await Promise.all(readPages.map((read) => read(params)));
  // One list comes in Foreman's order already; several are merged by id.
  const rows =
    pages.length === 1
      ? (pages[0] as IndexEnvelope<T>).results.slice(0, count)
      : pages
          .flatMap((page) => page.results)
          .sort((a, b) => (readDirection === 'asc' ? a.id - b.id : b.id - a.id))
          .slice(0, count);
  if (backward) rows.reverse();
  const matching = sum(pages, 'subtotal');
  const more = matching > count;
  const plainSearch = request.search === undefined || request.search === '';
  // Foreman's `total` counts the whole list, whatever the search: exact without a search.
  const all = sum(pages, 'total');
  const beyondCursors = plainSearch ? all - matching : undefined;
  return {
    rows,
    cursors: rows.map((row) => ({ kind: 'id', id: row.id })),
    hasNextPage: backward ? before !== undefined && (beyondCursors ?? 1) > 0 : more,
    hasPreviousPage: backward ? more : after !== undefined && (beyondCursors ?? 1) > 0,
    totalCount: () => {
      if (plainSearch) return all;
      if (conditions.length === 0) return matching;
      const counting: ListParams = { page: 1, perPage: 1, search: request.search };
      return Promise.all(readPages.map((read) => read(counting))).then((counts) =>
        sum(counts, 'subtotal'),
      );
    },
  };
}

async function readByOffsets<T>(
  readPage: PageReader<T>,
  request: ListRequest,
): Promise<ListPage<T>> {
  const options = { search: request.search, order: request.order };
  const window = await windowOf(
    request,
    async () => (await readPage({ page: 1, perPage: 1, ...options })).subtotal,
  );
  const plan = planPages(window);
  const pages = await Promise.all(
    plan.pages.map((page) => readPage({ page, perPage: plan.perPage, ...options })),
  );
  // planPages always plans a page, if only for the envelope's counts.
  const matching = pages[0]?.subtotal ?? 0;
  const rows = sliceWindow(
    plan,
    pages.map((p) => p.results),
    window,
  );
  return {
    rows,
    cursors: rows.map((_, index) => ({ kind: 'offset', offset: window.start + index })),
    hasNextPage: window.start + rows.length < matching,
    hasPreviousPage: window.start > 0,
    totalCount: () => matching,
  };
}

/** The rows a request covers; `last` without `before` depends on how many rows match. */
async function windowOf(
  request: ListRequest,
  countRows: () => Promise<number>,
): Promise<RowWindow> {
  const lower = request.after ? offsetOf(request.after) + 1 : 0;
  const upper = request.before ? offsetOf(request.before) : undefined;
  if (request.last !== undefined) {
    const end = upper ?? (await countRows());
    const start = Math.max(lower, end - request.last);
    return { start, count: Math.max(0, end - start) };
  }
  const size = request.first ?? 0;
  return {
    start: lower,
    count: upper === undefined ? size : Math.max(0, Math.min(size, upper - lower)),
  };
}

function offsetOf(cursor: Cursor): number {
  if (cursor.kind !== 'offset') throw new RangeError('an id cursor in a list paged by offset');
  return cursor.offset;
}

function idOf(cursor: Cursor | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.kind !== 'id') throw new RangeError('an offset cursor in a list paged by id');
  return cursor.id;
}

/** The caller's search, kept whole in parentheses, and the gateway's own conditions. */
function combine(search: string | undefined, conditions: string[]): string | undefined {
  const parts = [...(search ? [`(${search})`] : []), ...conditions];
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

function flip(direction: Direction): Direction {
  return direction === 'asc' ? 'desc' : 'asc';
}

function sum(pages: Array<IndexEnvelope<unknown>>, key: 'subtotal' | 'total'): number {
  return pages.reduce((total, page) => total + page[key], 0);
}

/** A vanished list (its parent was deleted meanwhile) reads as an empty one. */
export function orEmpty<T>(readPage: PageReader<T>): PageReader<T> {
  return (params) => readPage(params).catch(recoverNotFound(emptyPage<T>()));
}

function emptyPage<T>(): IndexEnvelope<T> {
  return { total: 0, subtotal: 0, page: 1, per_page: 0, search: null, results: [] };
}
