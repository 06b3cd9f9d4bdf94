/**
 * Maps a window of rows (offset `start`, `count` rows) onto Foreman's `page` / `per_page`
 * pagination with the fewest requests, usually one.
 */

export interface RowWindow {
  start: number;
  count: number;
}

export interface PagePlan {
  perPage: number;
  /** 1-based page numbers, consecutive. */
  pages: number[];
}

/**
 * One page covers the window when some `per_page` between `count` and `2 * count` puts its first
 * and last row on the same page; fetching up to twice the rows in one round trip beats two round
 * trips. Otherwise two consecutive pages of `count` rows always cover it.
 */
export function planPages({ start, count }: RowWindow): PagePlan {
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`bad window start ${start}`);
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`bad window count ${count}`);
  // An empty window still needs one (small) page for the envelope's counts.
  if (count === 0) return { perPage: 1, pages: [1] };
  const last = start + count - 1;
  for (let perPage = count; perPage <= 2 * count; perPage++) {
    const page = Math.floor(start / perPage);
    if (page === Math.floor(last / perPage)) return { perPage, pages: [page + 1] };
  }
  const first = Math.floor(start / count) + 1;
  return { perPage: count, pages: [first, first + 1] };
}

/** The rows of `window` out of the concatenated rows of `plan`'s pages. */
export function sliceWindow<T>(plan: PagePlan, pageRows: T[][], window: RowWindow): T[] {
  const firstPage = plan.pages[0] ?? 1;
  const offset = window.start - (firstPage - 1) * plan.perPage;
  return pageRows.flat().slice(offset, offset + window.count);
}
