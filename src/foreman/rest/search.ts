/**
 * scoped_search strings the gateway writes itself. Only validated integers reach them; a
 * caller's own `search` is sent as its own query parameter and never spliced in here.
 */

/** Keeps the encoded `search` parameter well below common URL limits (8 KiB in many proxies). */
const MAX_ENCODED_SEARCH_LENGTH = 1800;

/** `id ^ (1,2,3)`: one request for many records (the space before `^` matters). */
export function idListSearch(ids: readonly number[]): string {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`not a Foreman id: ${id}`);
  }
  return `id ^ (${ids.join(',')})`;
}

/** `id > N` or `id < N`, for paging or tailing a list by id (`id > 0` means from the start). */
export function idCompared(operator: '>' | '<', id: number): string {
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not a Foreman id: ${id}`);
  return `id ${operator} ${id}`;
}

/** Splits ids into lists whose `id ^ (…)` search stays short enough for one URL each. */
export function chunkIds(
  ids: readonly number[],
  maxEncodedLength = MAX_ENCODED_SEARCH_LENGTH,
): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  // `id+%5E+%28` and `%29` frame the list; each id costs its digits plus an encoded comma.
  let length = 12;
  for (const id of ids) {
    const cost = String(id).length + 3;
    if (current.length > 0 && length + cost > maxEncodedLength) {
      chunks.push(current);
      current = [];
      length = 12;
    }
    current.push(id);
    length += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
