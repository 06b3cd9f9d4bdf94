import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createUpstreamPool } from '../src/foreman/http/pool.js';
import { FLOOR_QUERIES, type FloorQuery } from './floor-queries.js';
import { QUERY_DOCUMENTS } from './queries.js';
import { getJson } from './rest.js';

/**
 * The floor: the simplest Node gateway that can serve the reference queries, run as a child
 * process like the gateway (`node --import tsx bench/floor-server.ts`). A node:http server, an
 * undici pool with the gateway's options, JSON.parse and JSON.stringify, and nothing else: it
 * recognises a request by its exact query document instead of parsing GraphQL, and answers it
 * with hand-written code (floor-queries.ts). It logs nothing. What the gateway costs above this is
 * what its generality costs.
 */
const foremanUrl = process.env.FOREMAN_URL ?? '';
const pool = createUpstreamPool({
  foremanUrl,
  connectTimeoutMs: 5_000,
  connections: Number(process.env.UPSTREAM_CONNECTIONS ?? 32),
});
const queryByDocument = new Map<string, FloorQuery>(
  Object.entries(QUERY_DOCUMENTS).map(([id, document]) => {
    const query = FLOOR_QUERIES[id];
    if (!query) throw new Error(`no floor answer for ${id}`);
    return [document, query];
  }),
);

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function graphql(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body: { query?: unknown; variables?: unknown };
  try {
    body = JSON.parse(await readBody(request)) as typeof body;
  } catch {
    send(response, 400, { errors: [{ message: 'the body is not JSON' }] });
    return;
  }
  const query = typeof body.query === 'string' ? queryByDocument.get(body.query) : undefined;
  if (!query) {
    send(response, 400, { errors: [{ message: 'not one of the reference queries' }] });
    return;
  }
  // The caller's credentials, forwarded as the gateway forwards them.
  const authorization = request.headers.authorization ?? '';
  const variables = (body.variables ?? {}) as Record<string, unknown>;
  try {
    const data = await query(
      (path, search) => getJson(pool, authorization, path, search),
      variables,
    );
    send(response, 200, { data });
  } catch (error) {
    send(response, 502, { errors: [{ message: (error as Error).message }] });
  }
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/graphql') {
    void graphql(request, response);
  } else if (request.method === 'GET' && request.url === '/healthz') {
    send(response, 200, { status: 'ok' });
  } else {
    send(response, 404, { errors: [{ message: 'not found' }] });
  }
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.close().then(() => process.exit(0));
});
