import { randomUUID } from 'node:crypto';

const ids = new WeakMap<Request, string>();
/** A caller's id is kept only when it is short and plain: it ends up in logs and upstream headers. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's `x-request-id` when acceptable, else a new UUID. Stable per request. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    const given = request.headers.get('x-request-id');
    id = given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}
