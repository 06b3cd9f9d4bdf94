import { describe, expect, it } from 'vitest';
import type { ListParams } from '../../src/foreman/records.js';
import { type PageReader, readList, readMergedByIds } from '../../src/foreman/rest/list-pages.js';

/**
 * A fake Foreman list: rows with ids, `search` understood only as the gateway writes it
 * (`(<caller's search>) and id > N` / `id < N`; a caller's search keeps even ids), `order` by id
 * in either direction, or by name.
 */
function fakeList(ids: number[]) {
  const calls: ListParams[] = [];
  const read: PageReader<{ id: number; name: string }> = async (params) => {
    calls.push(params);
    let rows = ids.map((id) => ({ id, name: `row-${String(id).padStart(3, '0')}` }));
    const all = rows.length;
    const search = params.search ?? '';
    if (search.includes('even')) rows = rows.filter((row) => row.id % 2 === 0);
    for (const [, op, n] of search.matchAll(/id ([<>]) (\d+)/g)) {
      rows = rows.filter((row) => (op === '>' ? row.id > Number(n) : row.id < Number(n)));
    }
    if (/desc/i.test(params.order ?? '')) rows.reverse();
    const perPage = params.perPage === 'all' ? rows.length : params.perPage;
    const start = (params.page - 1) * perPage;
    return {
      total: all,
      subtotal: rows.length,
      page: params.page,
      per_page: perPage,
      search: params.search ?? null,
      results: rows.slice(start, start + perPage),
    };
  };
  return { read, calls };
}

const ids = (rows: Array<{ id: number }>) => rows.map((row) => row.id);

describe('lists ordered by id: cursors are ids', () => {
  it('pages forward with one request per page, whatever its depth', async () => {
    const list = fakeList([2, 4, 6, 8, 10, 12]);
    const page = await readList(list.read, { first: 2, after: { kind: 'id', id: 6 }, order: 'id' });
    expect(ids(page.rows)).toEqual([8, 10]);
    expect(page.cursors).toEqual([
      { kind: 'id', id: 8 },
      { kind: 'id', id: 10 },
    ]);
    expect(page).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(list.calls).toEqual([{ page: 1, perPage: 2, search: 'id > 6', order: 'id' }]);
    expect(await page.totalCount()).toBe(6);
  });

  it('reads `last` in the reverse order, with no counting request', async () => {
    const list = fakeList([2, 4, 6, 8, 10, 12]);
    const page = await readList(list.read, { last: 2, order: 'id' });
    expect(ids(page.rows)).toEqual([10, 12]);
    expect(page).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(list.calls).toEqual([{ page: 1, perPage: 2, search: undefined, order: 'id DESC' }]);
  });

  it('keeps the caller’s search whole and counts it without the cursor when asked', async () => {
    const list = fakeList([1, 2, 3, 4, 5, 6, 7, 8]);
    const page = await readList(list.read, {
      first: 10,
      after: { kind: 'id', id: 3 },
      search: 'even',
      order: 'id',
    });
    expect(ids(page.rows)).toEqual([4, 6, 8]);
    expect(list.calls[0]?.search).toBe('(even) and id > 3');
    expect(await page.totalCount()).toBe(4);
    expect(list.calls[1]).toEqual({ page: 1, perPage: 1, search: 'even' });
  });

  it('a row deleted before the cursor moves nothing', async () => {
    const before = await readList(fakeList([1, 2, 3, 4, 5]).read, { first: 2, order: 'id' });
    const cursor = before.cursors[1];
    const after = await readList(fakeList([1, 3, 4, 5]).read, {
      first: 2,
      after: cursor,
      order: 'id',
    });
    expect(ids(after.rows)).toEqual([3, 4]);
  });

  it('offset cursors issued before still page (as offsets)', async () => {
    const list = fakeList([2, 4, 6, 8, 10]);
    const page = await readList(list.read, {
      first: 2,
      after: { kind: 'offset', offset: 1 },
      order: 'id',
    });
    expect(ids(page.rows)).toEqual([6, 8]);
    expect(page.cursors[0]).toEqual({ kind: 'offset', offset: 2 });
  });
});

describe('lists in other orders: cursors are offsets', () => {
  it('maps first/after onto the fewest Foreman pages', async () => {
    const list = fakeList(Array.from({ length: 100 }, (_, i) => i + 1));
    const page = await readList(list.read, {
      first: 37,
      after: { kind: 'offset', offset: 36 },
      order: 'name',
    });
    expect(ids(page.rows)).toEqual(Array.from({ length: 37 }, (_, i) => i + 38));
    expect(list.calls).toEqual([{ page: 2, perPage: 37, search: undefined, order: 'name' }]);
  });

  it('clips last/before at the start, and counts first for last without before', async () => {
    const list = fakeList([1, 2, 3, 4, 5, 6]);
    const clipped = await readList(list.read, {
      last: 10,
      before: { kind: 'offset', offset: 4 },
      order: 'name',
    });
    expect(ids(clipped.rows)).toEqual([1, 2, 3, 4]);
    list.calls.length = 0;
    const tail = await readList(list.read, { last: 2, order: 'name' });
    expect(ids(tail.rows)).toEqual([5, 6]);
    expect(list.calls[0]).toMatchObject({ page: 1, perPage: 1 });
  });

  it('keeps first inside after..before', async () => {
    const list = fakeList(Array.from({ length: 30 }, (_, i) => i + 1));
    const page = await readList(list.read, {
      first: 50,
      after: { kind: 'offset', offset: 9 },
      before: { kind: 'offset', offset: 15 },
      order: 'name',
    });
    expect(ids(page.rows)).toEqual([11, 12, 13, 14, 15]);
  });
});

describe('several lists merged by id', () => {
  it('reads each list once per page and merges them into one order', async () => {
    const a = fakeList([1, 4, 7, 10]);
    const b = fakeList([2, 3, 8, 9, 11]);
    const first = await readMergedByIds([a.read, b.read], { first: 4, order: 'id' });
    expect(ids(first.rows)).toEqual([1, 2, 3, 4]);
    const next = await readMergedByIds([a.read, b.read], {
      first: 4,
      after: first.cursors[3],
      order: 'id',
    });
    expect(ids(next.rows)).toEqual([7, 8, 9, 10]);
    expect(next.hasNextPage).toBe(true);
    expect(await next.totalCount()).toBe(9);
    expect(a.calls).toHaveLength(2);
    expect(b.calls).toHaveLength(2);
  });

  it('pages backward from the end in descending order', async () => {
    const a = fakeList([1, 4, 7, 10]);
    const b = fakeList([2, 3, 8, 9, 11]);
    const page = await readMergedByIds([a.read, b.read], { last: 3, order: 'id DESC' });
    expect(ids(page.rows)).toEqual([3, 2, 1]);
    expect(page).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });
});
