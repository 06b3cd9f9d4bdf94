/** What a list read asks for and what it returns, independent of how Foreman pages. */

/**
 * A position in a list. Where the list is ordered by id, a cursor is the id of its row: paging on
 * from it is `id > N` in Foreman's search, so rows inserted or deleted before it move nothing.
 * Otherwise it is the row's offset.
 */
export type Cursor = { kind: 'offset'; offset: number } | { kind: 'id'; id: number };

/** Relay's window (at most one of `first` and `last`) and the caller's search and order. */
export interface ListRequest {
  first?: number | undefined;
  last?: number | undefined;
  after?: Cursor | undefined;
  before?: Cursor | undefined;
  /** A scoped_search query, passed through to Foreman. */
  search?: string | undefined;
  /** Foreman's `order`, the caller's or the list's default. */
  order?: string | undefined;
}

export interface ListPage<T> {
  rows: T[];
  /** One per row. */
  cursors: Cursor[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /**
   * Rows matching the search across all pages (Foreman's `subtotal` without any cursor
   * condition): known from the page in most cases, else counted when asked for.
   */
  totalCount: () => number | Promise<number>;
}

/**
 * `asc` or `desc` when `order` sorts by id alone, where cursors can be ids; undefined for any
 * other order (Foreman's own default included), where they are offsets.
 */
export function idOrderDirection(order: string | undefined): 'asc' | 'desc' | undefined {
  const match = /^\s*id(?:\s+(asc|desc))?\s*$/i.exec(order ?? '');
  if (!match) return undefined;
  return match[1]?.toLowerCase() === 'desc' ? 'desc' : 'asc';
}
