import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/foreman/records.js';
import {
  type AuditsReader,
  type AuditsRequest,
  type HistoryPage,
  type HistoryWindow,
  MAX_HISTORY_ROWS_PER_REQUEST,
  readHistories,
} from '../../src/foreman/rest/history-pages.js';
import { chunkImageAuditIds, imageAuditsSearch } from '../../src/foreman/rest/search.js';

/**
 * A fake audit log: rows of images (id order is the order they were written), read as Foreman
 * answers `type = image and auditable_id ^ (…) [and id < N]` with `order=id DESC`.
 */
function fakeAuditLog(log: Array<[imageId: number, action?: AuditRecord['action']]>) {
  const rows: AuditRecord[] = log.map(([imageId, action], index) => ({
    id: index + 1,
    auditable_id: imageId,
    auditable_type: 'Image',
    action: action ?? 'update',
    audited_changes: {},
    version: 1,
    request_uuid: null,
    user_name: 'admin',
    created_at: '2024-05-01 10:00:00 UTC',
  }));
  const requests: AuditsRequest[] = [];
  const read: AuditsReader = async (request) => {
    requests.push(request);
    const matching = rows
      .filter((row) => request.imageIds.includes(row.auditable_id))
      .filter((row) => request.beforeId === undefined || row.id < request.beforeId)
      .sort((a, b) => b.id - a.id);
    return {
      total: rows.length,
      subtotal: matching.length,
      page: 1,
      per_page: request.perPage,
      search: imageAuditsSearch(request.imageIds, request.beforeId),
      results: matching.slice(0, request.perPage),
    };
  };
  /** What a page should be, read naively from the whole log. */
  const expected = (window: HistoryWindow) => {
    const all = rows
      .filter((row) => row.auditable_id === window.imageId)
      .filter((row) => window.afterId === undefined || row.id < window.afterId)
      .sort((a, b) => b.id - a.id);
    return {
      ids: all.slice(0, window.first).map((row) => row.id),
      hasNextPage: all.length > window.first,
    };
  };
  return { read, requests, expected };
}

const summary = (page: HistoryPage | Error | undefined) =>
  page instanceof Error || page === undefined
    ? page
    : { ids: page.rows.map((row) => row.id), hasNextPage: page.hasNextPage };

/** A creation, then `updates` changes, of one image. */
const history = (imageId: number, updates: number): Array<[number, AuditRecord['action']?]> => [
  [imageId, 'create'],
  ...Array.from({ length: updates }, (): [number] => [imageId]),
];

describe('readHistories: first pages of many images', () => {
  it('reads every image whose rows fit in one request, asking for one row more than each page', async () => {
    const log = fakeAuditLog([...history(1, 2), ...history(2, 0), ...history(3, 5)]);
    const windows = [1, 2, 3].map((imageId) => ({ imageId, first: 3 }));
    const pages = await readHistories(log.read, windows);
    expect(log.requests).toEqual([{ imageIds: [1, 2, 3], beforeId: undefined, perPage: 12 }]);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
  });

  it('knows every image is complete when the request was not full, creations expired or not', async () => {
    // Foreman's audits:expire deleted the creations: only the count says nothing is missing.
    const log = fakeAuditLog([[1], [2], [1], [3], [1]]);
    const windows = [1, 2, 3].map((imageId) => ({ imageId, first: 5 }));
    const pages = await readHistories(log.read, windows);
    expect(log.requests).toHaveLength(1);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
  });

  it('knows an image is complete from its creation even when the request was full', async () => {
    // Image 2's changes fill the request, which also holds image 1's creation (its only row).
    const log = fakeAuditLog([
      ...history(2, 5),
      ...history(1, 0),
      ...Array.from({ length: 10 }, (): [number] => [2]),
    ]);
    const windows = [1, 2].map((imageId) => ({ imageId, first: 5 }));
    const pages = await readHistories(log.read, windows);
    expect(log.requests).toHaveLength(1);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
  });

  it('reads the images a long history crowded out together, below the shared request', async () => {
    const log = fakeAuditLog([...history(1, 1), ...history(2, 1), ...history(3, 30)]);
    const windows = [1, 2, 3].map((imageId) => ({ imageId, first: 2 }));
    const pages = await readHistories(log.read, windows);
    // The first request (9 rows) holds only image 3's newest: 1 and 2 are read on below it.
    expect(log.requests).toEqual([
      { imageIds: [1, 2, 3], beforeId: undefined, perPage: 9 },
      { imageIds: [1, 2], beforeId: 35 - 8, perPage: 6 },
    ]);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
  });

  it('reads an image still short after that on its own, which completes it', async () => {
    // Oldest first: image 1, then 2 (long), then 3 (long, newest).
    const log = fakeAuditLog([...history(1, 3), ...history(2, 10), ...history(3, 10)]);
    const windows = [1, 2, 3].map((imageId) => ({ imageId, first: 3 }));
    const pages = await readHistories(log.read, windows);
    expect(log.requests.map((r) => [r.imageIds, r.perPage])).toEqual([
      [[1, 2, 3], 12],
      [[1, 2], 7],
      [[1], 4],
    ]);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
  });

  it('gives every window of one image its own page from one reading (aliases)', async () => {
    const log = fakeAuditLog(history(7, 6));
    const windows = [
      { imageId: 7, first: 1 },
      { imageId: 7, first: 4 },
      { imageId: 7, first: 0 },
    ];
    const pages = await readHistories(log.read, windows);
    expect(log.requests).toEqual([{ imageIds: [7], beforeId: undefined, perPage: 5 }]);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
  });

  it('asks for at most MAX_HISTORY_ROWS_PER_REQUEST rows a request, and keeps URLs short', async () => {
    const imageIds = Array.from({ length: 600 }, (_, index) => 1_000_000 + index);
    const log = fakeAuditLog(imageIds.map((id) => [id, 'create']));
    const windows = imageIds.map((imageId) => ({ imageId, first: 20 }));
    const pages = await readHistories(log.read, windows);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
    for (const request of log.requests) {
      expect(request.perPage).toBeLessThanOrEqual(MAX_HISTORY_ROWS_PER_REQUEST);
      const query = new URLSearchParams({
        search: imageAuditsSearch(request.imageIds, 2_147_483_647),
      });
      expect(query.toString().length).toBeLessThanOrEqual(1800 + 'search='.length);
    }
    expect(log.requests.flatMap((r) => r.imageIds)).toEqual(imageIds);
    expect(chunkImageAuditIds(imageIds).length).toBeLessThan(log.requests.length);
  });

  it('matches a naive reading on random logs', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let round = 0; round < 200; round++) {
      const images = 1 + Math.floor(random() * 8);
      const log: Array<[number, AuditRecord['action']?]> = [];
      const created = new Set<number>();
      for (let n = 0; n < Math.floor(random() * 80); n++) {
        const imageId = 1 + Math.floor(random() * images);
        // Some creations expired (audits:expire): those histories are only updates.
        const expired = random() < 0.3;
        log.push([imageId, created.has(imageId) || expired ? 'update' : 'create']);
        created.add(imageId);
      }
      const fake = fakeAuditLog(log);
      const windows = Array.from({ length: images }, (_, index) => ({
        imageId: index + 1,
        first: Math.floor(random() * 6),
      }));
      const pages = await readHistories(fake.read, windows);
      expect(pages.map(summary)).toEqual(windows.map(fake.expected));
      // At most three rounds: together, the short ones together, each short one alone.
      expect(fake.requests.length).toBeLessThanOrEqual(2 + images);
    }
  });
});

describe('readHistories: pages after a cursor, and failures', () => {
  it('reads a page after a cursor as its own keyset request', async () => {
    const log = fakeAuditLog([...history(1, 9), ...history(2, 3)]);
    const windows = [
      { imageId: 1, first: 3, afterId: 8 },
      { imageId: 2, first: 3 },
    ];
    const pages = await readHistories(log.read, windows);
    expect(log.requests).toEqual(
      expect.arrayContaining([
        { imageIds: [1], beforeId: 8, perPage: 4 },
        { imageIds: [2], beforeId: undefined, perPage: 4 },
      ]),
    );
    expect(log.requests).toHaveLength(2);
    expect(pages.map(summary)).toEqual(windows.map(log.expected));
    expect(pages.map((page) => (page as HistoryPage).hasPreviousPage)).toEqual([true, false]);
  });

  it('fails only the images of the request that failed', async () => {
    const log = fakeAuditLog([...history(1, 1), ...history(2, 1)]);
    const refused = new Error('HTTP 403');
    const read: AuditsReader = (request) =>
      request.beforeId === 3 ? Promise.reject(refused) : log.read(request);
    const pages = await readHistories(read, [
      { imageId: 1, first: 5 },
      { imageId: 2, first: 5, afterId: 3 },
    ]);
    expect(summary(pages[0])).toEqual({ ids: [2, 1], hasNextPage: false });
    expect(pages[1]).toBe(refused);
  });
});

describe('imageAuditsSearch', () => {
  it('names one image with `=`, several with `^`, and reads on below a row', () => {
    expect(imageAuditsSearch([5])).toBe('type = image and auditable_id = 5');
    expect(imageAuditsSearch([5, 9], 120)).toBe(
      'type = image and auditable_id ^ (5,9) and id < 120',
    );
    expect(() => imageAuditsSearch([0])).toThrow(RangeError);
    expect(() => imageAuditsSearch([1.5])).toThrow(RangeError);
  });
});
