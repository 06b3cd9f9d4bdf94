import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

type Encoding = 'br' | 'gzip' | 'identity';

const compress: Record<Exclude<Encoding, 'identity'>, (html: Buffer) => Promise<Buffer>> = {
  br: (html) =>
    promisify(brotliCompress)(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }),
  gzip: (html) => promisify(gzip)(html, { level: 9 }),
};

/**
 * GraphiQL at `/graphql` for browsers, fully offline: every asset is inlined, which makes the page
 * about 9 MB. It never changes while the process runs, so each encoding (brotli or gzip, as the
 * browser accepts) is made once and the same buffer is written to every connection: a client
 * that never reads holds a reference to it, not a copy. It is sent with an ETag and is cacheable,
 * so a reload costs a 304. Served at the node:http level, before yoga, so no per-request
 * Response object copies it.
 */
export class GraphiQLPage {
  readonly #endpoint: string;
  readonly #html: Buffer;
  readonly #etag: string;
  readonly #bodies = new Map<Encoding, Promise<Buffer>>();

  /** `note`: HTML shown over the page (how to sign in). */
  constructor(endpoint: string, options: GraphiQLOptions, note = '') {
    this.#endpoint = endpoint;
    const page = renderGraphiQL(options);
    // The inlined scripts may hold "</body>" too: the note goes before the page's own, the last.
    const end = page.lastIndexOf('</body>');
    this.#html = Buffer.from(end < 0 ? page + note : page.slice(0, end) + note + page.slice(end));
    this.#etag = `"${createHash('sha256').update(this.#html).digest('base64url').slice(0, 32)}"`;
    this.#bodies.set('identity', Promise.resolve(this.#html));
  }

  /** Answers a browser's page load and returns true; anything else is left to the gateway. */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const path = (request.url ?? '').split('?', 1)[0]?.replace(/\/$/, '');
    if (path !== this.#endpoint || !request.headers.accept?.includes('text/html')) return false;
    const headers: Record<string, string> = {
      etag: this.#etag,
      'cache-control': 'public, max-age=3600',
      vary: 'accept-encoding',
    };
    if (request.headers['if-none-match'] === this.#etag) {
      response.writeHead(304, headers).end();
      return true;
    }
    const encoding = preferredEncoding(request.headers['accept-encoding']);
    this.#body(encoding).then(
      (body) => {
        response.writeHead(200, {
          ...headers,
          'content-type': 'text/html; charset=utf-8',
          'content-length': String(body.length),
          ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
        });
        response.end(method === 'HEAD' ? undefined : body);
      },
      () => response.writeHead(500).end(),
    );
    return true;
  }

  #body(encoding: Encoding): Promise<Buffer> {
    let body = this.#bodies.get(encoding);
    if (!body) {
      body = compress[encoding as Exclude<Encoding, 'identity'>](this.#html);
      this.#bodies.set(encoding, body);
    }
    return body;
  }
}

function preferredEncoding(acceptEncoding: string | undefined): Encoding {
  const accepted = (acceptEncoding ?? '')
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, quality]) => quality?.trim() !== 'q=0')
    .map(([name]) => name?.trim().toLowerCase());
  if (accepted.includes('br')) return 'br';
  if (accepted.includes('gzip')) return 'gzip';
  return 'identity';
}
