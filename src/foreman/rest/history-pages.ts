import type { ListPage } from '../lists.js';
import type { AuditRecord, IndexEnvelope } from '../records.js';
import { chunkImageAuditIds } from './search.js';

/**
 * Pages of image histories (their audit rows, newest first) in as few requests as Foreman
 * allows. Foreman cannot return "the newest N rows of each image": a request for the audits of
 * many images (`auditable_id ^ (…)`, `order=id DESC`) returns their newest rows interleaved, and
 * a long history can fill it. So each image asks for one row more than its page (to know whether
 * more follow), the request asks for the sum, and an image's page is known once that request
 *   - had fewer rows than asked for, or no more matching (every row of those images is in it),
 *   - or holds as many of its rows as it asked for (they are its newest: the rows come in id
 *     order),
 *   - or holds its creation (its first row: nothing older exists).
 * Images left short (another's newer rows filled the request) are read on together below the
 * request's oldest row (`id < N`), and any still short after that each on its own, which always
 * completes it. Most pages of images cost one request.
 */

/** One request for audit rows: of these images, below row `beforeId` when set, newest first. */
export interface AuditsRequest {
  imageIds: number[];
  beforeId?: number | undefined;
  perPage: number;
}

export type AuditsReader = (request: AuditsRequest) => Promise<IndexEnvelope<AuditRecord>>;

/** A page of one image's history: `first` entries, older than the entry `afterId` when set. */
export interface HistoryWindow {
  imageId: number;
  first: number;
  afterId?: number | undefined;
}

/** A page of history; there is no count (it would cost a request per image). */
export type HistoryPage = Omit<ListPage<AuditRecord>, 'totalCount'>;

/**
 * Rows one request asks for at most (hammer's page size), unless one image alone wants more:
 * Foreman renders each audit row with about three queries of its own.
 */
export const MAX_HISTORY_ROWS_PER_REQUEST = 1000;

/** One image being read: how many of its newest rows it wants, and those read so far. */
interface Reading {
  imageId: number;
  wanted: number;
  rows: AuditRecord[];
}

/** Images one request left short, and the row below which to read on. */
interface Shortfall {
  readings: Reading[];
  beforeId: number;
}

/** The pages of `windows`, in their order: a page, or the error of the request it needed. */
export async function readHistories(
  read: AuditsReader,
  windows: readonly HistoryWindow[],
): Promise<Array<HistoryPage | Error>> {
  const firstPages = new Map<number, Reading>();
  const later = new Map<HistoryWindow, Reading>();
  for (const window of windows) {
    const wanted = window.first + 1;
    if (window.afterId !== undefined) {
      later.set(window, { imageId: window.imageId, wanted, rows: [] });
      continue;
    }
    const reading = firstPages.get(window.imageId);
    if (reading) reading.wanted = Math.max(reading.wanted, wanted);
    else firstPages.set(window.imageId, { imageId: window.imageId, wanted, rows: [] });
  }
  const failures = new Map<Reading, Error>();
  await Promise.all([
    readFirstPages(read, [...firstPages.values()], failures),
    // A page after a cursor is one image's own request, which always completes it.
    ...[...later].map(([window, reading]) => attempt(read, [reading], window.afterId, failures)),
  ]);
  return windows.map((window) => {
    const reading = later.get(window) ?? (firstPages.get(window.imageId) as Reading);
    const failure = failures.get(reading);
    if (failure) return failure;
    const rows = reading.rows.slice(0, window.first);
    return {
      rows,
      cursors: rows.map((row) => ({ kind: 'id', id: row.id })),
      hasNextPage: reading.rows.length > window.first,
      hasPreviousPage: window.afterId !== undefined,
    };
  });
}

async function readFirstPages(
  read: AuditsReader,
  readings: Reading[],
  failures: Map<Reading, Error>,
): Promise<void> {
  const first = await Promise.all(
    requestsFor(readings).map((together) => attempt(read, together, undefined, failures)),
  );
  const second = await Promise.all(
    first.flatMap((short) =>
      short ? [attempt(read, short.readings, short.beforeId, failures)] : [],
    ),
  );
  await Promise.all(
    second.flatMap((short) =>
      short ? short.readings.map((one) => attempt(read, [one], short.beforeId, failures)) : [],
    ),
  );
}

/** Images grouped into requests: URLs of a safe length, at most MAX_HISTORY_ROWS_PER_REQUEST rows. */
function requestsFor(readings: Reading[]): Reading[][] {
  const byId = new Map(readings.map((reading) => [reading.imageId, reading]));
  return chunkImageAuditIds([...byId.keys()]).flatMap((ids) => {
    const requests: Reading[][] = [];
    let current: Reading[] = [];
    let rows = 0;
    for (const id of ids) {
      const reading = byId.get(id) as Reading;
      if (current.length > 0 && rows + reading.wanted > MAX_HISTORY_ROWS_PER_REQUEST) {
        requests.push(current);
        current = [];
        rows = 0;
      }
      current.push(reading);
      rows += reading.wanted;
    }
    if (current.length > 0) requests.push(current);
    return requests;
  });
}

/** One request for `readings`; a failure is the error of each of them. */
function attempt(
  read: AuditsReader,
  readings: Reading[],
  beforeId: number | undefined,
  failures: Map<Reading, Error>,
): Promise<Shortfall | undefined> {
  return readRound(read, readings, beforeId).catch((error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const reading of readings) failures.set(reading, failure);
    return undefined;
  });
}

/** Reads the rows `readings` still want below `beforeId`; returns those it left short. */
async function readRound(
  read: AuditsReader,
  readings: Reading[],
  beforeId: number | undefined,
): Promise<Shortfall | undefined> {
  const perPage = readings.reduce((sum, reading) => sum + reading.wanted - reading.rows.length, 0);
  const page = await read({ imageIds: readings.map((r) => r.imageId), beforeId, perPage });
  const byId = new Map(readings.map((reading) => [reading.imageId, reading]));
  for (const row of page.results) byId.get(row.auditable_id)?.rows.push(row);
  const everything = page.results.length < perPage || page.subtotal <= page.results.length;
  const oldest = page.results.at(-1);
  if (everything || !oldest) return undefined;
  const short = readings.filter(
    (reading) => reading.rows.length < reading.wanted && reading.rows.at(-1)?.action !== 'create',
  );
  return short.length > 0 ? { readings: short, beforeId: oldest.id } : undefined;
}
