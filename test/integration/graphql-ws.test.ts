import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import {
  type GraphQLWsClient,
  graphqlWsClient,
  handshake,
  type RawConnection,
  rawConnection,
} from '../helpers/graphql-ws.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { type Subscription, subscribe as subscribeOverSse } from '../helpers/sse.js';

/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on /graphql, beside
 * SSE, with the graphql-ws client that Apollo's GraphQLWsLink, urql and Relay wrap, or the raw
 * protocol where every message and close code counts: the same yoga, limits, callers and counts
 * as HTTP; browser origins checked at the handshake; the connection cap; the going-away close.
 */

const ANY_CHANGE = 'subscription { imageChanged { action foremanId image { name } } }';
const ARCHITECTURES = '{ architectures { totalCount } }';
const WRONG = `Basic ${Buffer.from('admin:wrong').toString('base64')}`;

let shared: Harness;
const clients: GraphQLWsClient[] = [];
const raws: RawConnection[] = [];
const sse: Array<Subscription<unknown>> = [];

beforeAll(async () => {
  shared = await startHarness({
    env: { AUDIT_POLL_INTERVAL_MS: '150', CORS_ORIGINS: 'https://app.example.com' },
  });
});

afterEach(async () => {
  for (const stream of sse.splice(0)) stream.close();
  for (const raw of raws.splice(0)) raw.socket.terminate();
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  shared.demo.resetData();
  shared.resetCounts();
});

afterAll(() => shared.close());

function client(h: Harness, options: Parameters<typeof graphqlWsClient>[1] = {}) {
  const created = graphqlWsClient(h.url, options);
  clients.push(created);
  return created;
}

async function raw(h: Harness, options: Parameters<typeof rawConnection>[1] = {}) {
  const connection = await rawConnection(h.url, options);
  raws.push(connection);
  return connection;
}

const asAdmin = { connectionParams: { authorization: basicAuth(DEMO_ADMIN) } };

async function openSubscriptions(h: Harness): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(/^live_subscriptions (\d+)$/m.exec(text)?.[1]);
}

function createImage(h: Harness, name: string) {
  return h.query(`mutation { createImage(input: { computeResourceId: "1", name: "${name}",
    username: "root", uuid: "/var/lib/libvirt/images/${name}.qcow2", architectureId: "1",
    operatingSystemId: "1" }) { image { foremanId } errors { message } } }`);
}

/** Logins Foreman saw since the last reset, one per upstream request. */
const logins = (h: Harness) => new Set(h.upstream().map((request) => request.login));

describe('operations over the socket', () => {
  it('a subscription receives an image created through the gateway', async () => {
    const stream = client(shared, asAdmin).subscribe(ANY_CHANGE);
    await expect.poll(() => openSubscriptions(shared)).toBe(1);
    const created = await createImage(shared, 'over-ws');
    const foremanId = (created.data as { createImage: { image: { foremanId: number } } })
      .createImage.image.foremanId;
    const [event] = await stream.waitFor(1);
    expect(event).toEqual({
      data: { imageChanged: { action: 'CREATED', foremanId, image: { name: 'over-ws' } } },
    });
    stream.stop();
    await expect.poll(() => openSubscriptions(shared)).toBe(0);
  });

  it('a query and a mutation run as over HTTP', async () => {
    const admin = client(shared, asAdmin);
    expect(await admin.run(ARCHITECTURES)).toEqual({ data: { architectures: { totalCount: 5 } } });
    const before = shared.demo.store.images.length;
    const created = await admin.run(
      `mutation Create($name: String!) { createImage(input: { computeResourceId: "1",
        name: $name, username: "root", uuid: "/var/lib/libvirt/images/ws.qcow2",
        architectureId: "1", operatingSystemId: "1" }) { image { name } errors { message } } }`,
      { name: 'made-over-ws' },
    );
    expect(created).toEqual({
      data: { createImage: { image: { name: 'made-over-ws' }, errors: [] } },
    });
    expect(shared.demo.store.images.length).toBe(before + 1);
    expect(logins(shared)).toEqual(new Set(['admin']));
  });

  it('errors reach the client with their codes, as `next` or `error` messages', async () => {
    const admin = client(shared, asAdmin);
    // Refused before execution: an `error` message, without yoga's internal HTTP hints.
    const invalid = await admin.run('{ architectures { nope } }');
    expect(invalid).toMatchObject({
      errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
    });
    expect(invalid.errors?.[0]?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(await admin.run('{ architectures {')).toMatchObject({
      errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
    });
    expect(await admin.run('query A { __typename } query B { __typename }')).toMatchObject({
      errors: [{ extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }],
    });
    expect(
      await admin.run('query ($id: ID!) { architecture(id: $id) { name } }', {}),
    ).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    // Failed in execution: data with the error at its field.
    const missing = await admin.run('{ architecture(id: "999") { name } }');
    expect(missing).toMatchObject({
      data: { architecture: null },
      errors: [{ path: ['architecture'], extensions: { code: 'NOT_FOUND' } }],
    });
  });
});

describe('credentials', () => {
  it("from the handshake's Authorization header", async () => {
    const viewer = client(shared, { headers: { authorization: basicAuth(DEMO_VIEWER) } });
    expect((await viewer.run(ARCHITECTURES)).data).toEqual({ architectures: { totalCount: 5 } });
    expect(logins(shared)).toEqual(new Set(['viewer']));
  });

  it("from connection_init's authorization, which wins over the header", async () => {
    const admin = client(shared, {
      headers: { authorization: basicAuth(DEMO_VIEWER) },
      connectionParams: { Authorization: basicAuth(DEMO_ADMIN) },
    });
    expect((await admin.run(ARCHITECTURES)).data).toEqual({ architectures: { totalCount: 5 } });
    expect(logins(shared)).toEqual(new Set(['admin']));
  });

  it('refused credentials: UNAUTHENTICATED, no subscription held, one failed login', async () => {
    const h = await startHarness();
    try {
      const wrong = client(h, { connectionParams: { authorization: WRONG } });
      expect(await wrong.run(ARCHITECTURES)).toMatchObject({
        data: { architectures: null },
        errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
      });
      const stream = wrong.subscribe(ANY_CHANGE);
      expect(await stream.ended).toBe('complete');
      expect(stream.received).toMatchObject([
        { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
      ]);
      expect(await openSubscriptions(h)).toBe(0);
      // The refused credential is remembered: Foreman saw it once.
      expect(h.demo.failedLogins('127.0.0.1')).toBe(1);
      // No credentials at all: refused before anything reaches Foreman.
      const nobody = client(h).subscribe(ANY_CHANGE);
      await nobody.ended;
      expect(nobody.received).toMatchObject([
        { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
      ]);
    } finally {
      await h.close();
    }
  });

  it('a connection_init authorization that is no header value closes the socket with 4400', async () => {
    const connection = await raw(shared, { init: false });
    connection.send({ type: 'connection_init', payload: { authorization: { user: 'admin' } } });
    expect((await connection.closed).code).toBe(4400);
  });
});

describe('browser origins, checked at the handshake', () => {
  it('a foreign origin is refused with 403; no origin, the same origin and listed ones pass', async () => {
    const refused = await handshake(shared.url, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({
      errors: [{ extensions: { code: 'BAD_REQUEST' } }],
    });
    expect((await handshake(shared.url, { origin: 'null' })).status).toBe(403);
    // The gateway's own host on another port is another origin.
    const { host } = new URL(shared.url);
    const otherPort = `http://${host.replace(/:\d+$/, ':1')}`;
    expect((await handshake(shared.url, { origin: otherPort })).status).toBe(403);

    expect((await handshake(shared.url)).status).toBe(101);
    expect((await handshake(shared.url, { origin: shared.url })).status).toBe(101);
    expect((await handshake(shared.url, { origin: 'https://app.example.com' })).status).toBe(101);
  });

  it("under CORS_ORIGINS=*, a foreign page connects without its browser's saved credentials", async () => {
    const h = await startHarness({ env: { CORS_ORIGINS: '*' } });
    try {
      const foreign = { origin: 'https://elsewhere.example', authorization: basicAuth(DEMO_ADMIN) };
      const ambient = client(h, { headers: foreign });
      expect(await ambient.run(ARCHITECTURES)).toMatchObject({
        errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
      });
      // Credentials the page itself sends are its own to use.
      const explicit = client(h, { headers: foreign, ...asAdmin });
      expect((await explicit.run(ARCHITECTURES)).data).toEqual({
        architectures: { totalCount: 5 },
      });
    } finally {
      await h.close();
    }
  });

  it('only /graphql upgrades', async () => {
    expect((await handshake(shared.url, {}, '/healthz')).status).toBe(404);
  });
});

describe('the same limits as HTTP', () => {
  it('a message larger than MAX_BODY_BYTES closes the socket with 1009', async () => {
    const h = await startHarness({ env: { MAX_BODY_BYTES: '1000' } });
    try {
      const connection = await rawConnection(h.url, asAdminInit());
      const query = `{ architectures { totalCount } } # ${'x'.repeat(1_000)}`;
      connection.send({ id: '1', type: 'subscribe', payload: { query } });
      expect((await connection.closed).code).toBe(1009);
    } finally {
      await h.close();
    }
  });

  it('document limits, query limits (on subscriptions too) and introspection off', async () => {
    const h = await startHarness({
      env: { MAX_DOCUMENT_BYTES: '200', MAX_DEPTH: '3', INTROSPECTION: 'false' },
    });
    try {
      const admin = client(h, asAdmin);
      expect(
        await admin.run(`{ architectures { totalCount } } # ${'x'.repeat(200)}`),
      ).toMatchObject({
        errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'documentSize' } }],
      });
      const deep =
        'subscription { imageChanged { image { computeResource { images { totalCount } } } } }';
      const refused = admin.subscribe(deep);
      await refused.ended;
      expect(refused.received).toMatchObject([
        { errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'depth' } }] },
      ]);
      // Over SSE alike (before, subscriptions skipped the query limits).
      const overSse = await subscribeOverSse(h.url, deep, {
        headers: { authorization: basicAuth(DEMO_ADMIN) },
      });
      sse.push(overSse);
      await overSse.ended;
      expect(overSse.received).toMatchObject([
        { errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'depth' } }] },
      ]);
      expect(await openSubscriptions(h)).toBe(0);
      expect(h.upstream()).toEqual([]);

      const introspection = await admin.run('{ __schema { types { name } } }');
      expect(introspection.data).toBeUndefined();
      expect(introspection.errors?.[0]).toMatchObject({
        message: expect.stringContaining('introspection has been disabled'),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
      const guess = await admin.run('{ imagez { id } }');
      expect(guess.errors?.[0]?.message).toBe('Cannot query field "imagez" on type "Query".');
    } finally {
      await h.close();
    }
  });

  it('with a persisted documents manifest, only its documents run, by id or text', async () => {
    const count = 'query ArchitectureCount { architectures { totalCount } }';
    const hash = createHash('sha256').update(count).digest('hex');
    const file = join(mkdtempSync(join(tmpdir(), 'persisted-ws-')), 'documents.json');
    writeFileSync(file, JSON.stringify({ [hash]: count }));
    const h = await startHarness({ env: { PERSISTED_OPERATIONS_FILE: file } });
    try {
      const connection = await rawConnection(h.url, asAdminInit());
      raws.push(connection);
      const answer = async (id: string, payload: Record<string, unknown>) => {
        connection.send({ id, type: 'subscribe', payload });
        return (
          await connection.message(
            (message) => message.id === id && (message.type === 'next' || message.type === 'error'),
          )
        ).payload;
      };
      const expected = { data: { architectures: { totalCount: 5 } } };
      expect(await answer('text', { query: count })).toEqual(expected);
      expect(
        await answer('id', {
          query: '',
          extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
        }),
      ).toEqual(expected);
      expect(await answer('other', { query: '{ architectures { totalCount } }' })).toMatchObject([
        { extensions: { code: 'PERSISTED_QUERY_ONLY' } },
      ]);
    } finally {
      await h.close();
    }
  });

  it("a caller's WebSocket and SSE subscriptions count together", async () => {
    const h = await startHarness({ env: { MAX_SUBSCRIPTIONS_PER_CALLER: '2' } });
    try {
      const overSse = await subscribeOverSse(h.url, ANY_CHANGE, {
        headers: { authorization: basicAuth(DEMO_ADMIN) },
      });
      sse.push(overSse);
      // The same credential, spelled otherwise, from the handshake header.
      const spelled = `basic  ${basicAuth(DEMO_ADMIN).slice(6)}`;
      const socket = client(h, { headers: { authorization: spelled } });
      socket.subscribe(ANY_CHANGE);
      await expect.poll(() => openSubscriptions(h)).toBe(2);
      const third = socket.subscribe(ANY_CHANGE);
      await third.ended;
      expect(third.received).toMatchObject([
        { errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'subscriptions' } }] },
      ]);
      const fourth = await subscribeOverSse(h.url, ANY_CHANGE, {
        headers: { authorization: basicAuth(DEMO_ADMIN) },
      });
      sse.push(fourth);
      await fourth.ended;
      expect(fourth.received).toMatchObject([
        { errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'subscriptions' } }] },
      ]);
      expect(await openSubscriptions(h)).toBe(2);
    } finally {
      await h.close();
    }
  });

  it('behind a trusted proxy, the caller is the forwarded address, over SSE and the socket alike', async () => {
    const h = await startHarness({
      env: {
        FOREMAN_USERNAME: DEMO_ADMIN.login,
        FOREMAN_PASSWORD: DEMO_ADMIN.password,
        TRUSTED_PROXIES: '127.0.0.1',
        MAX_SUBSCRIPTIONS_PER_CALLER: '1',
      },
    });
    try {
      const from = (address: string) => ({ 'x-forwarded-for': address });
      const overSse = await subscribeOverSse(h.url, ANY_CHANGE, { headers: from('198.51.100.1') });
      sse.push(overSse);
      await expect.poll(() => openSubscriptions(h)).toBe(1);
      const same = client(h, { headers: from('198.51.100.1') }).subscribe(ANY_CHANGE);
      await same.ended;
      expect(same.received).toMatchObject([
        { errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'subscriptions' } }] },
      ]);
      // Another client behind the same proxy is a caller of its own.
      client(h, { headers: from('198.51.100.2') }).subscribe(ANY_CHANGE);
      await expect.poll(() => openSubscriptions(h)).toBe(2);
    } finally {
      await h.close();
    }
  });

  it('at most WS_MAX_OPERATIONS_PER_CONNECTION operations at once on one connection', async () => {
    const h = await startHarness({ env: { WS_MAX_OPERATIONS_PER_CONNECTION: '2' } });
    try {
      const admin = client(h, asAdmin);
      const first = admin.subscribe(ANY_CHANGE);
      admin.subscribe(ANY_CHANGE);
      await expect.poll(() => openSubscriptions(h)).toBe(2);
      expect(await admin.run(ARCHITECTURES)).toMatchObject({
        errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'operations' } }],
      });
      // One ends: room for another.
      first.stop();
      await expect.poll(() => openSubscriptions(h)).toBe(1);
      expect((await admin.run(ARCHITECTURES)).data).toEqual({ architectures: { totalCount: 5 } });
    } finally {
      await h.close();
    }
  });

  it('a client that does not send connection_init in time is closed with 4408', async () => {
    const h = await startHarness({ env: { WS_CONNECTION_INIT_TIMEOUT_MS: '200' } });
    try {
      const silent = await rawConnection(h.url, { init: false });
      expect((await silent.closed).code).toBe(4408);
    } finally {
      await h.close();
    }
  });

  it('WebSocket connections count in MAX_CONNECTIONS', async () => {
    const h = await startHarness({ env: { MAX_CONNECTIONS: '2' } });
    try {
      const first = await rawConnection(h.url, asAdminInit());
      const second = await rawConnection(h.url, asAdminInit());
      // Node's cap drops a third connection at once, before reading anything from it.
      await expect(rawConnection(h.url, asAdminInit())).rejects.toThrow();
      await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
      first.socket.close();
      await first.closed;
      const response = await fetch(`${h.url}/healthz`, { headers: { connection: 'close' } });
      expect(response.status).toBe(200);
      second.socket.close();
      await second.closed;
    } finally {
      await h.close();
    }
  });
});

describe('when the gateway stops', () => {
  it('clients are told to reconnect (1001); their subscriptions are not completed', async () => {
    const h = await startHarness();
    const connection = await rawConnection(h.url, asAdminInit());
    connection.send({ id: 'changes', type: 'subscribe', payload: { query: ANY_CHANGE } });
    await expect.poll(() => openSubscriptions(h)).toBe(1);
    await h.close();
    expect((await connection.closed).code).toBe(1001);
    expect(connection.messages.map((message) => message.type)).toEqual(['connection_ack']);
  });

  it('a mutation in flight is answered before the socket closes', async () => {
    const h = await startHarness();
    const connection = await rawConnection(h.url, asAdminInit());
    connection.send({ id: 'changes', type: 'subscribe', payload: { query: ANY_CHANGE } });
    await expect.poll(() => openSubscriptions(h)).toBe(1);
    h.demo.injectFault({ method: 'POST', path: '/api/compute_resources/1/images', delayMs: 300 });
    connection.send({
      id: 'create',
      type: 'subscribe',
      payload: {
        query: `mutation { createImage(input: { computeResourceId: "1", name: "last-word",
          username: "root", uuid: "/var/lib/libvirt/images/last-word.qcow2",
          architectureId: "1", operatingSystemId: "1" }) { image { name } } }`,
      },
    });
    await expect.poll(() => h.demo.inFlight).toBe(1);
    const stopped = h.close();
    expect((await connection.closed).code).toBe(1001);
    await stopped;
    expect(
      connection.messages.map(({ type, id, payload }) => ({
        type,
        ...(id ? { id } : {}),
        ...(payload ? { payload } : {}),
      })),
    ).toEqual([
      { type: 'connection_ack' },
      {
        type: 'next',
        id: 'create',
        payload: { data: { createImage: { image: { name: 'last-word' } } } },
      },
      { type: 'complete', id: 'create' },
    ]);
  });
});

function asAdminInit() {
  return { init: { authorization: basicAuth(DEMO_ADMIN) } };
}
