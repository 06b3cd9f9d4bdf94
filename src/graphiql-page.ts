import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { GraphiQLOptions } from 'graphql-yoga';
import { NO_FRAMING } from './page-headers.js';

type Encoding = 'br' | 'gzip' | 'identity';

/**
 * The renderer's options, passed on to GraphiQL's own: `schema: null` is GraphiQL's "do not
 * introspect", for a gateway that refuses introspection.
 */
export type GraphiQLPageOptions = GraphiQLOptions & { schema?: null };

interface RenderedPage {
  etag: string;
  bodies: Record<Encoding, Buffer>;
}

/**
 * Renders and compresses the page in a worker thread: GraphiQL's renderer is a 9 MB module (about
 * 45 MiB of heap and code once loaded, kept for the life of whatever isolate loads it, as ES
 * modules are never unloaded), and brotli at quality 9 takes about a second of CPU. In a worker
 * both go away with the worker; the gateway keeps the three encodings, about 13 MB. Plain
 * JavaScript evaluated in the worker (no TypeScript loader needed there), given the renderer's
 * resolved path, so it works from any working directory.
 */
const RENDER_IN_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
const { renderGraphiQL } = require(workerData.renderer);
const page = renderGraphiQL(workerData.options);
// The inlined scripts may hold "</body>" too: the extra goes before the page's own, the last.
const end = page.lastIndexOf('</body>');
const identity = Buffer.from(
  end < 0 ? page + workerData.extra : page.slice(0, end) + workerData.extra + page.slice(end),
);
parentPort.postMessage({
  etag: '"' + createHash('sha256').update(identity).digest('base64url').slice(0, 32) + '"',
  bodies: {
    identity,
    br: zlib.brotliCompressSync(identity, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9 },
    }),
    gzip: zlib.gzipSync(identity, { level: 9 }),
  },
});
`;

function renderInWorker(options: GraphiQLPageOptions, extra: string): Promise<RenderedPage> {
  const renderer = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
  return new Promise((resolve, reject) => {
    const worker = new Worker(RENDER_IN_WORKER, {
      eval: true,
      workerData: { renderer, options, extra },
      // Not the gateway's loader flags: the code above needs none.
      execArgv: [],
    });
    worker.once('message', (message: { etag: string; bodies: Record<Encoding, Uint8Array> }) => {
      const { etag, bodies } = message;
      resolve({
        etag,
        bodies: {
          identity: Buffer.from(
            bodies.identity.buffer,
            bodies.identity.byteOffset,
            bodies.identity.byteLength,
          ),
          br: Buffer.from(bodies.br.buffer, bodies.br.byteOffset, bodies.br.byteLength),
          gzip: Buffer.from(bodies.gzip.buffer, bodies.gzip.byteOffset, bodies.gzip.byteLength),
        },
      });
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the GraphiQL page worker exited (${code})`)));
  });
}

/**
 * GraphiQL at `/graphql` for browsers, fully offline: every asset is inlined, which makes the page
 * about 9 MB. It is made on the first load (a gateway whose GraphiQL nobody opens never pays for
 * it), never changes after, and each encoding (brotli or gzip, as the browser accepts) is one
 * buffer written to every connection: a client that never reads holds a reference to it, not a
 * copy. It is sent with an ETag and is cacheable, so a reload costs a 304. Served at the
 * node:http level, before yoga, so no per-request Response object copies it.
 */
export class GraphiQLPage {
  readonly #endpoint: string;
  readonly #options: GraphiQLPageOptions;
  readonly #extra: string;
  #page: Promise<RenderedPage> | undefined;

  /** `extra`: HTML added at the end of the page's body (the bar above GraphiQL). */
  constructor(endpoint: string, options: GraphiQLPageOptions, extra = '') {
    this.#endpoint = endpoint;
    this.#options = options;
    this.#extra = extra;
  }

  /** Answers a browser's page load and returns true; anything else is left to the gateway. */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const path = (request.url ?? '').split('?', 1)[0]?.replace(/\/$/, '');
    if (path !== this.#endpoint || !request.headers.accept?.includes('text/html')) return false;
    this.#page ??= renderInWorker(this.#options, this.#extra);
    this.#page.then(
      ({ etag, bodies }) => {
        const headers: Record<string, string> = {
          etag,
          'cache-control': 'public, max-age=3600',
          vary: 'accept-encoding',
          ...NO_FRAMING,
        };
        if (request.headers['if-none-match'] === etag) {
          response.writeHead(304, headers).end();
          return;
        }
        const encoding = preferredEncoding(request.headers['accept-encoding']);
        const body = bodies[encoding];
        response.writeHead(200, {
          ...headers,
          'content-type': 'text/html; charset=utf-8',
          'content-length': String(body.length),
          ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
        });
        response.end(method === 'HEAD' ? undefined : body);
      },
      () => {
        // Made again on the next load.
        this.#page = undefined;
        response.writeHead(500).end();
      },
    );
    return true;
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
