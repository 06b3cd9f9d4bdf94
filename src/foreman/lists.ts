/** What a list read asks for and what it returns, independent of how Foreman pages. */

/**
 * Which rows a connection asks for. `tail` (Relay's `last` without `before`) depends on how many
 * rows match, so it costs one small counting request first.
 */
export type WindowRequest =
  | { kind: 'range'; start: number; count: number }
  | { kind: 'tail'; count: number; notBefore: number };

export interface WindowResult<T> {
  rows: T[];
  /** Offset of `rows[0]` among all matching rows. */
  start: number;
  /** Rows matching the search (Foreman's `subtotal`). */
  subtotal: number;
}

/** A caller's scoped_search query and order, passed through to Foreman. */
export interface ListOptions {
  search?: string | undefined;
  order?: string | undefined;
}
