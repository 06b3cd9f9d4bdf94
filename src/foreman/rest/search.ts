/**
 * scoped_search strings the gateway writes itself. Only validated integers reach them; a
 * caller's own `search` is sent as its own query parameter and never spliced in here.
 */

/** Keeps the encoded `search` parameter well below common URL limits (8 KiB in many proxies). */
const MAX_ENCODED_SEARCH_LENGTH = 1800;

/** `id ^ (1,2,3)`: one request for many records (the space before `^` matters). */
export function idListSearch(ids: readonly number[]): string {
  return `id ^ (${checkedIds(ids).join(',')})`;
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

/** audited's type name for images (AuditSearch's value set: `image` is Image's). */
export const IMAGE_AUDITS = 'type = image';

/**
 * Images and what their rows name: compute resources, operating systems (`os`: `operatingsystem`
 * is refused, the class has subclasses) and architectures. `type` takes only `=` and `!=`.
 */
export const CATALOG_AUDITS =
  '(type = image or type = compute_resource or type = os or type = architecture)';

/**
 * The audit rows of some images: `type = image and auditable_id ^ (1,2,3)` (`auditable_id = 1`
 * for one), and `and id < N` to read on below a row. Ordered `id DESC`, newest first.
 */
export function imageAuditsSearch(imageIds: readonly number[], beforeId?: number): string {
  const ids = checkedIds(imageIds);
  const images =
    ids.length === 1 ? `auditable_id = ${ids[0]}` : `auditable_id ^ (${ids.join(',')})`;
  const conditions = [IMAGE_AUDITS, images];
  if (beforeId !== undefined) conditions.push(idCompared('<', beforeId));
  return conditions.join(' and ');
}

/** What imageAuditsSearch adds to an `id ^ (…)` list once URL-encoded, at most. */
const IMAGE_AUDITS_OVERHEAD =
  new URLSearchParams({ s: imageAuditsSearch([1, 2], 2_147_483_647) }).toString().length -
  new URLSearchParams({ s: idListSearch([1, 2]) }).toString().length;

/** Splits image ids into lists whose imageAuditsSearch stays as short as an `id ^ (…)` one. */
export function chunkImageAuditIds(ids: readonly number[]): number[][] {
  return chunkIds(ids, MAX_ENCODED_SEARCH_LENGTH - IMAGE_AUDITS_OVERHEAD);
}

function checkedIds(ids: readonly number[]): readonly number[] {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1) throw new RangeError(`not a Foreman id: ${id}`);
  }
  return ids;
}
