import { recoverNotFound } from '../errors.js';
import type { ListOptions, WindowRequest, WindowResult } from '../lists.js';
import type { ComputeResourceRecord, ImageRecord, IndexEnvelope, ListParams } from '../records.js';
import { planPages, type RowWindow, sliceWindow } from './pages.js';

/** Reads one index page of some list (deduplicated per request by the caller). */
export type PageReader<T> = (params: ListParams) => Promise<IndexEnvelope<T>>;

/** Fetches one window of an index with the fewest pages that cover it. */
export async function fetchWindow<T>(
  readPage: PageReader<T>,
  request: WindowRequest,
  options: ListOptions,
): Promise<WindowResult<T>> {
  const window = await resolveWindow(request, async () => {
    const counting = await readPage({ page: 1, perPage: 1, ...options });
    return counting.subtotal;
  });
  const plan = planPages(window);
  const pages = await Promise.all(
    plan.pages.map((page) => readPage({ page, perPage: plan.perPage, ...options })),
  );
  return {
    rows:
      window.count === 0
        ? []
        : sliceWindow(
            plan,
            pages.map((p) => p.results),
            window,
          ),
    start: window.start,
    subtotal: pages[0]?.subtotal ?? 0,
  };
}

async function resolveWindow(
  request: WindowRequest,
  countRows: () => Promise<number>,
): Promise<RowWindow> {
  if (request.kind === 'range') return request;
  const subtotal = await countRows();
  const start = Math.max(request.notBefore, subtotal - request.count);
  return { start, count: Math.max(0, subtotal - start) };
}

/**
 * Images across every compute resource the caller can see, as one list ordered by compute
 * resource (Foreman's order, by name) and then by `options.order`. Foreman has no such endpoint:
 * one request per compute resource fetches its first rows and its count, which covers any window
 * that starts near the front; windows further in cost one more request per compute resource
 * they reach.
 */
export async function fetchImagesEverywhere(
  computeResources: ComputeResourceRecord[],
  imagesOf: (computeResourceId: number) => PageReader<ImageRecord>,
  request: WindowRequest,
  options: ListOptions,
): Promise<WindowResult<ImageRecord>> {
  // Each compute resource's first rows: enough for a window at the front (the common case),
  // capped so that a window deep in the list does not read every row of every resource.
  const firstRows = Math.max(
    1,
    request.kind === 'range'
      ? Math.min(request.start + request.count, Math.max(request.count, HEAD_ROWS_LIMIT))
      : request.count,
  );
  const heads = await Promise.all(
    computeResources.map((computeResource) =>
      imagesOf(computeResource.id)({ page: 1, perPage: firstRows, ...options }).catch(
        recoverNotFound(EMPTY_PAGE),
      ),
    ),
  );
  const subtotal = heads.reduce((sum, head) => sum + head.subtotal, 0);
  const window = await resolveWindow(request, async () => subtotal);

  const parts = await Promise.all(
    computeResources.map(async (computeResource, index) => {
      const head = heads[index] as IndexEnvelope<ImageRecord>;
      const offset = heads.slice(0, index).reduce((sum, h) => sum + h.subtotal, 0);
      const from = Math.max(0, window.start - offset);
      const to = Math.min(head.subtotal, window.start + window.count - offset);
      if (to <= from) return [];
      const known = head.results.slice(from, to);
      // Only the rows the first request did not bring are read again.
      const restStart = Math.max(from, head.results.length);
      if (to <= restStart) return known;
      const rest = await fetchWindow(
        imagesOf(computeResource.id),
        { kind: 'range', start: restStart, count: to - restStart },
        options,
      ).catch(recoverNotFound({ rows: [] as ImageRecord[] }));
      return [...known, ...rest.rows];
    }),
  );
  return { rows: parts.flat(), start: window.start, subtotal };
}

/** Rows asked of each compute resource up front for windows that do not start at the front. */
const HEAD_ROWS_LIMIT = 250;

const EMPTY_PAGE: IndexEnvelope<ImageRecord> = {
  total: 0,
  subtotal: 0,
  page: 1,
  per_page: 0,
  search: null,
  results: [],
};
