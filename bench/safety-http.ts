import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';

/**
 * The clients and servers `bench/safety.ts` needs around a gateway child: GraphQL over undici,
 * raw sockets that never read, an idle keep-alive connection, and a Foreman that never answers.
 * Everything listens on and connects to 127.0.0.1 only.
 */

/** The demo's accounts, as HTTP Basic headers. */
export function basic(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
}

/** What a client saw for one GraphQL request. */
export interface GraphQLOutcome {
  /** HTTP status; 0 when no answer came (aborted, refused, reset). */
  status: number;
  /** `errors[].extensions.code` of the answer, in order (codeless errors as `(no code)`). */
  codes: string[];
  /** The parsed `data`, when the answer had one. */
  data: unknown;
  /** From sending to the end of the answer (or to the failure). */
  ms: number;
  /** Why there was no answer (`AbortError`, `ECONNRESET`…). */
  failure?: string;
}

/**
 * POSTs one GraphQL document as JSON (which also satisfies the gateway's CSRF check). Never
 * throws: a failure is an outcome with status 0, so many concurrent requests can be counted.
 */
export async function postGraphQL(
  url: string,
  query: string,
  options: {
    dispatcher: Agent;
    authorization?: string;
    signal?: AbortSignal;
    /** More request headers (an `x-request-id`…). */
    headers?: Record<string, string>;
  },
): Promise<GraphQLOutcome> {
  const started = performance.now();
  try {
    const response = await request(`${url}/graphql`, {
      method: 'POST',
      dispatcher: options.dispatcher,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...options.headers,
        ...(options.authorization ? { authorization: options.authorization } : {}),
      },
      body: JSON.stringify({ query }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, ...parseAnswer(text), ms: performance.now() - started };
  } catch (error) {
    // undici's errors carry a string code (ECONNRESET…); an abort is a DOMException, by name.
    const code = (error as { code?: unknown }).code;
    return {
      status: 0,
      codes: [],
      data: undefined,
      ms: performance.now() - started,
      failure: typeof code === 'string' ? code : (error as Error).name,
    };
  }
}

function parseAnswer(text: string): { codes: string[]; data: unknown } {
  try {
    const body = JSON.parse(text) as {
      data?: unknown;
      errors?: Array<{ extensions?: { code?: unknown } }>;
    };
    const codes = (body.errors ?? []).map((error) =>
      typeof error.extensions?.code === 'string' ? error.extensions.code : '(no code)',
    );
    return { codes, data: body.data };
  } catch {
    return { codes: ['(not JSON)'], data: undefined };
  }
}

/** A GET answered and read whole; status 0 when it failed. */
export async function getStatus(url: string, dispatcher: Agent): Promise<number> {
  try {
    const response = await request(url, { dispatcher });
    await response.body.dump();
    return response.statusCode;
  } catch {
    return 0;
  }
}

/** A client pool of our own per measurement, destroyed at its end so no socket outlives it. */
export function newAgent(): Agent {
  // Enough connections for 200 concurrent requests; no pipelining (one request per socket).
  return new Agent({ connections: 512, pipelining: 1 });
}

/**
 * `count` connections that each send one HTTP/1.1 request and then never read: the socket is
 * paused, so the answer piles up in the kernel's buffers and then in the server's memory.
 * Resolves once every request has been written; `destroy()` ends them all.
 */
export async function openSilentClients(
  url: string,
  count: number,
  head: string,
): Promise<{ destroy(): void }> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  const destroy = () => {
    for (const socket of sockets) socket.destroy();
  };
  try {
    for (let i = 0; i < count; i++) {
      const socket = connect({ host: hostname, port: Number(port) });
      sockets.push(socket);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      socket.pause();
      socket.write(head);
    }
  } catch (error) {
    destroy();
    throw error;
  }
  return { destroy };
}

/**
 * One keep-alive connection that sends `GET <path>` with `headers`, reads the answer's first
 * bytes, and then stays open and idle. `closedAt()` is when the server closed it
 * (performance.now()), if it did.
 */
export async function openIdleKeepAlive(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ firstLine(): string; closedAt(): number | undefined; destroy(): void }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let closedAt: number | undefined;
  let received = '';
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    if (received.length < 200) received += chunk.toString('latin1');
  });
  socket.once('close', () => {
    closedAt = performance.now();
  });
  const answered = new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
  });
  const head = Object.entries({ ...headers, host: `${hostname}:${port}`, connection: 'keep-alive' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`GET ${path} HTTP/1.1\r\n${head}\r\n`);
  await Promise.race([
    answered,
    sleep(10_000).then(() => {
      throw new Error(`no answer to GET ${path} within 10 s`);
    }),
  ]);
  // Let the rest of the (small) answer arrive, so the connection is idle, not mid-response.
  await sleep(200);
  return {
    firstLine: () => received.split('\r\n', 1)[0] ?? '',
    closedAt: () => closedAt,
    destroy: () => socket.destroy(),
  };
}

/** A "Foreman" that accepts connections and never answers; `close()` drops them all. */
export async function startHungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
