import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

type Encoding = 'br' | 'gzip' | 'identity';

const compress: Record<Exclude<Encoding, 'identity'>, (html: Buffer) => Promise<Buffer>> = {
  br: (html) =>
    promisify(brotliCompress)(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }),
  gzip: (html) => promisify(gzip)(html, { level: 9 }),
};

/**
 * GraphiQL at `/graphql` for browsers, fully offline: every asset is inlined, which makes the page
 * about 9 MB. It never changes while the process runs, so it is compressed once per encoding
 * (brotli or gzip, as the browser accepts), sent with an ETag, and cacheable: a reload costs a 304.
 */
export function useGraphiQLPage(endpoint: string, options: GraphiQLOptions): Plugin {
  const html = Buffer.from(renderGraphiQL(options));
  const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 32)}"`;
  const bodies = new Map<Encoding, Promise<Buffer>>([['identity', Promise.resolve(html)]]);
  const body = (encoding: Encoding) => {
    let cached = bodies.get(encoding);
    if (!cached) {
      cached = compress[encoding as Exclude<Encoding, 'identity'>](html);
      bodies.set(encoding, cached);
    }
    return cached;
  };

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (
        request.method !== 'GET' ||
        url.pathname.replace(/\/$/, '') !== endpoint ||
        !request.headers.get('accept')?.includes('text/html')
      ) {
        return;
      }
      const headers: Record<string, string> = {
        etag,
        'cache-control': 'public, max-age=3600',
        vary: 'accept-encoding',
      };
      if (request.headers.get('if-none-match') === etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = preferredEncoding(request.headers.get('accept-encoding'));
      endResponse(
        new fetchAPI.Response(new Uint8Array(await body(encoding)), {
          status: 200,
          headers: {
            ...headers,
            'content-type': 'text/html; charset=utf-8',
            ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
          },
        }),
      );
    },
  };
}

function preferredEncoding(acceptEncoding: string | null): Encoding {
  const accepted = (acceptEncoding ?? '')
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, quality]) => quality?.trim() !== 'q=0')
    .map(([name]) => name?.trim().toLowerCase());
  if (accepted.includes('br')) return 'br';
  if (accepted.includes('gzip')) return 'gzip';
  return 'identity';
}
