/**
 * scoped_search's ScopedSearch::QueryNotSupported. Foreman answers it with 400 and the class
 * name in the body.
 */
export class QueryNotSupported extends Error {
  override readonly name = 'QueryNotSupported';
  readonly rubyClass = 'ScopedSearch::QueryNotSupported';
}
