import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Gateway } from './gateway.js';

/**
 * GraphQL over GET (queries only, as urql and Apollo can send them), answered with headers that
 * suit per-caller data and let browsers and CDNs revalidate: `Cache-Control: private, no-cache`
 * (only the caller's own cache may keep it, and must ask again before using it), `Vary` on what
 * the answer depends on, and an ETag, so an unchanged answer is a 304 with no body. Streams
 * (Server-Sent Events) pass through untouched.
 */
export async function answerGet(
  gateway: Gateway,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
  const answer = await gateway.fetch(
    new Request(url, { method: request.method ?? 'GET', headers: headersOf(request) }),
    { req: request, res: response },
  );
  const headers = Object.fromEntries(answer.headers);
  const type = answer.headers.get('content-type') ?? '';
  if (!/json/.test(type) || answer.status >= 500) {
    response.writeHead(answer.status, headers);
    if (answer.body) Readable.fromWeb(answer.body as never).pipe(response);
    else response.end();
    return;
  }
  const body = Buffer.from(await answer.arrayBuffer());
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const caching = {
    etag,
    'cache-control': 'private, no-cache',
    vary: [answer.headers.get('vary'), 'Accept, Authorization'].filter(Boolean).join(', '),
  };
  if (answer.status === 200 && matches(request.headers['if-none-match'], etag)) {
    const { 'content-type': _, 'content-length': __, ...rest } = headers;
    response.writeHead(304, { ...rest, ...caching }).end();
    return;
  }
  response.writeHead(answer.status, { ...headers, ...caching, 'content-length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/** `If-None-Match` holds one or more ETags (or `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return (
    ifNoneMatch === '*' ||
    ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
  );
}
