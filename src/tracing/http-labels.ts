/**
 * The server span's route, from a fixed set (bounded labels, as for metrics): the paths the
 * gateway answers, and `other` for anything else, so a scan of random paths adds no new names.
 */
const ROUTES = new Set([
  '/graphql',
  '/healthz',
  '/readyz',
  '/metrics',
  '/sign-in',
  '/sign-in/status',
]);

export function routeLabel(url: string): string {
  const path = new URL(url).pathname;
  return ROUTES.has(path) ? path : 'other';
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/** A method outside the usual ones is `_OTHER`, as OpenTelemetry's HTTP conventions say. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : '_OTHER';
}
