/**
 * scoped_search's ScopedSearch::QueryNotSupported. Foreman answers it with 400 and the class
 * name in the body (foreman-api.md §4.3).
 */
export class QueryNotSupported extends Error {
  override readonly name = 'QueryNotSupported';
  readonly rubyClass = 'ScopedSearch::QueryNotSupported';
}
