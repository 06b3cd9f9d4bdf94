import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteBoundedCache } from '../../src/plugins/document-cache.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * What an anonymous caller can make the gateway hold: documents are bounded before parsing, the
 * parse cache by size, and slow or idle connections by time. Each refusal is a 4xx with a code.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    env: {
      MAX_DOCUMENT_BYTES: '20000',
      MAX_DOCUMENT_TOKENS: '2000',
      HTTP_HEADERS_TIMEOUT_MS: '400',
      HTTP_REQUEST_TIMEOUT_MS: '800',
      MAX_CONNECTIONS: '20',
    },
  });
});

afterAll(() => harness.close());

async function post(query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    },
  };
}

describe('documents are bounded before they are parsed', () => {
  it('a document over MAX_DOCUMENT_BYTES is refused with no credentials needed', async () => {
    const result = await post(`{ __typename } # ${'x'.repeat(30_000)}`);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'documentSize',
    });
  });

  it('a document over MAX_DOCUMENT_TOKENS stops the parser', async () => {
    const fields = Array.from({ length: 1_000 }, (_, i) => `f${i}: __typename`).join(' ');
    const result = await post(`{ ${fields} }`);
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]).toMatchObject({
      message: 'The query document has more than 2000 tokens',
      extensions: { code: 'LIMIT_EXCEEDED', limit: 'tokens' },
    });
  });

  it('a document nested 30,000 deep is a 400 with a code, not a 500', async () => {
    const deep = await startHarness({ env: { MAX_DOCUMENT_BYTES: '100000' } });
    try {
      const query = `${'{a'.repeat(30_000)}${'}'.repeat(30_000)}`;
      const response = await fetch(`${deep.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const body = (await response.json()) as { errors: Array<{ extensions: unknown }> };
      expect(response.status).toBe(400);
      expect(body.errors[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    } finally {
      await deep.close();
    }
  });

  it('small documents within the limits still run', async () => {
    const result = await post('{ __typename }');
    expect(result).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});

describe('the parse cache is bounded by size', () => {
  it('keeps small documents, skips large ones, and evicts the least recently used', () => {
    const cache = new ByteBoundedCache<number>({ maxEntryBytes: 10, maxTotalBytes: 25 });
    cache.set('a'.repeat(11), 1);
    expect(cache.size).toBe(0);
    cache.set('b'.repeat(10), 2);
    cache.set('c'.repeat(10), 3);
    expect(cache.get('b'.repeat(10))).toBe(2); // b is now the most recently used
    cache.set('d'.repeat(10), 4); // 30 bytes: the oldest (c) goes
    expect(cache.get('c'.repeat(10))).toBeUndefined();
    expect(cache.get('b'.repeat(10))).toBe(2);
    expect(cache.get('d'.repeat(10))).toBe(4);
    expect(cache.size).toBe(2);
  });
});

/** A raw connection to the gateway; resolves when the server closes it. */
function openSocket(): Promise<{ socket: Socket; closed: Promise<string> }> {
  const url = new URL(harness.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      const closed = new Promise<string>((done) => socket.once('close', () => done(received)));
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

describe('slow and idle connections are bounded in time', () => {
  it('a client that trickles its headers is answered 408 and disconnected', async () => {
    const { socket, closed } = await openSocket();
    socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 150);
    try {
      expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(trickle);
    }
  });

  it('a client that trickles its body is answered 408 and disconnected', async () => {
    const { socket, closed } = await openSocket();
    socket.write(
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    const trickle = setInterval(() => socket.write(' '), 150);
    try {
      expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(trickle);
    }
  });

  it('connections past MAX_CONNECTIONS are refused', async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, () => openSocket()));
    try {
      const extra = await openSocket();
      // The server drops it without a word.
      expect(await extra.closed).toBe('');
    } finally {
      for (const { socket } of sockets) socket.destroy();
    }
  });
});
