import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    env: { CORS_ORIGINS: 'https://app.example.com' },
    logLevel: 'debug',
  });
});

afterAll(() => harness.close());

describe('browser safety', () => {
  it('refuses a "simple" cross-site request (CSRF): form posts and header-less GETs', async () => {
    harness.resetCounts();
    const form = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: basicAuth(DEMO_ADMIN) },
      body: JSON.stringify({ query: '{ architectures { totalCount } }' }),
    });
    expect(form.status).toBe(403);
    const get = await fetch(
      `${harness.url}/graphql?query=${encodeURIComponent('{ architectures { totalCount } }')}`,
      {
        headers: { accept: 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      },
    );
    expect(get.status).toBe(403);
    expect(harness.upstream()).toEqual([]);
    // A GET that proves it is not a simple request goes through.
    const allowed = await fetch(
      `${harness.url}/graphql?query=${encodeURIComponent('{ __typename }')}`,
      {
        headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
      },
    );
    expect(allowed.status).toBe(200);
  });

  it('answers CORS preflights for configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${harness.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example.net');
  });

  it('a malformed upstream row is UPSTREAM_ERROR, not an internal error', async () => {
    harness.demo.injectFault({
      path: '/api/architectures',
      status: 200,
      body: '{"total":1,"subtotal":1,"page":1,"per_page":20,"search":null,"results":[null]}',
    });
    const result = await harness.query('{ architectures { nodes { name } } }');
    harness.demo.clearFaults();
    expect(result.errors?.[0]).toMatchObject({
      message: 'Foreman answered a row without a valid id',
      extensions: { code: 'UPSTREAM_ERROR' },
    });
  });

  it('masks unexpected errors: no stack, no internals', async () => {
    // A timestamp that is not a string makes a resolver throw a TypeError: a bug, not a fault.
    harness.demo.injectFault({
      path: '/api/architectures',
      status: 200,
      body: '{"total":1,"subtotal":1,"page":1,"per_page":20,"search":null,"results":[{"id":1,"name":"x86_64","created_at":5}]}',
    });
    const result = await harness.query('{ architectures { nodes { createdAt } } }');
    harness.demo.clearFaults();
    expect(result.errors?.[0]).toMatchObject({
      message: 'Unexpected error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/at .*\.ts:\d+|stack|TypeError|Cannot read|trim/);
  });

  it('echoes and forwards a request id; logs are JSON with the id and no credentials', async () => {
    harness.resetCounts();
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basicAuth(DEMO_ADMIN),
        'x-request-id': 'trace-abc-123',
      },
      body: JSON.stringify({ query: '{ architectures { totalCount } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(harness.upstream()[0]?.headers['x-request-id']).toBe('trace-abc-123');
    const lines = harness.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      lines.some((line) => line.requestId === 'trace-abc-123' && line.msg === 'graphql operation'),
    ).toBe(true);
    expect(
      lines.some((line) => line.requestId === 'trace-abc-123' && line.msg === 'upstream call'),
    ).toBe(true);
    const everything = harness.logs.join('\n');
    expect(everything).not.toContain(basicAuth(DEMO_ADMIN).slice(6));
    expect(everything).not.toContain('changeme');
  });

  it('makes up a request id when the caller sends none (or an unsafe one)', async () => {
    const response = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad id\twith spaces' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health and metrics', () => {
  it('/healthz and /readyz', async () => {
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${harness.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', foreman: { ready: true } });
  });

  it('50 concurrent /readyz probes send one ping to Foreman', async () => {
    harness.resetCounts();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${harness.url}/readyz`)),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // Before: 50 pings, each one of Foreman's ~32 request slots.
    expect(harness.upstream().filter((r) => r.path === '/api/ping')).toHaveLength(1);
  });

  it('/readyz is 503 when Foreman is unreachable', async () => {
    const orphan = await startHarness();
    await orphan.demo.close();
    try {
      const ready = await fetch(`${orphan.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await orphan.close().catch(() => undefined);
    }
  });

  it('/readyz never logs in; a service account refused at its start-up check shows there', async () => {
    const refused = await startHarness({
      env: { FOREMAN_USERNAME: 'admin', FOREMAN_PASSWORD: 'wrong' },
    });
    try {
      // The service account is checked once at start (one failed login), and readiness says so
      // before any caller has come.
      await expect.poll(() => refused.demo.failedLogins('127.0.0.1')).toBe(1);
      refused.resetCounts();
      for (let probe = 0; probe < 40; probe++) {
        expect((await fetch(`${refused.url}/readyz`)).status).toBe(503);
      }
      const probes = refused.upstream();
      // Probes share one ping for a second: 40 in a row are one or two pings, not 40.
      expect(probes.length).toBeGreaterThanOrEqual(1);
      expect(probes.length).toBeLessThanOrEqual(3);
      expect(new Set(probes.map((r) => r.path))).toEqual(new Set(['/api/ping']));
      expect(probes.every((r) => !r.headers.authorization)).toBe(true);
      expect(refused.demo.failedLogins('127.0.0.1')).toBe(1);
      const body = await (await fetch(`${refused.url}/readyz`)).json();
      expect(body).toMatchObject({
        cause: 'service_account_refused',
        foreman: { ready: true },
        serviceAccount: 'refused',
      });
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      // Callers are answered locally: nothing more is sent with it. (See credentials.test.ts for
      // what they are told.)
      refused.resetCounts();
      const query = await refused.query('{ architectures { totalCount } }', { as: null });
      expect(query.errors?.[0]?.extensions?.upstreamCause).toBe('service_account_refused');
      expect(refused.upstream()).toEqual([]);
    } finally {
      await refused.close();
    }
  });

  it('/readyz names no internal address when Foreman is down', async () => {
    const orphan = await startHarness();
    await orphan.demo.close();
    try {
      const ready = await fetch(`${orphan.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:\d{2,5}/);
    } finally {
      await orphan.close().catch(() => undefined);
    }
  });

  it('/metrics has operation, upstream, retry and batch metrics', async () => {
    await harness.query(
      '{ nodes(ids: ["MDE6QXJjaGl0ZWN0dXJlLTE=", "MDE6QXJjaGl0ZWN0dXJlLTI="]) { id } }',
    );
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    expect(text).toMatch(
      /graphql_operation_duration_seconds_count\{operation_type="query",outcome="ok"\} \d+/,
    );
    expect(text).toMatch(
      /foreman_request_duration_seconds_count\{method="GET",route="\/api\/architectures",status="200"\} \d+/,
    );
    expect(text).toMatch(/dataloader_batch_size_sum\{loader="architectures"\} \d+/);
    expect(text).toContain('foreman_request_retries_total');
  });

  it("logs and counts errors by the code the client received, Foreman's refusals included", async () => {
    const counted = async (code: string) => {
      const text = await (await fetch(`${harness.url}/metrics`)).text();
      return Number(
        new RegExp(`graphql_errors_total\\{code="${code}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
      );
    };
    const internalBefore = await counted('INTERNAL_SERVER_ERROR');
    const badInputBefore = await counted('BAD_USER_INPUT');
    const before = harness.logs.length;
    const result = await harness.query(
      '{ images(computeResourceId: "2", first: 1, search: "bogus = 1") { totalCount } }',
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const operation = harness.logs
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'graphql operation');
    expect(operation).toMatchObject({ errorCodes: ['BAD_USER_INPUT'] });
    expect(await counted('BAD_USER_INPUT')).toBe(badInputBefore + 1);
    expect(await counted('INTERNAL_SERVER_ERROR')).toBe(internalBefore);
  });
});

describe('production switches', () => {
  it('GRAPHIQL=false and INTROSPECTION=false', async () => {
    const locked = await startHarness({ env: { GRAPHIQL: 'false', INTROSPECTION: 'false' } });
    try {
      const page = await fetch(`${locked.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('graphiql');
      const introspection = await locked.query('{ __schema { types { name } } }');
      expect(introspection.errors?.length).toBeGreaterThan(0);
      expect(introspection.data ?? null).toBeNull();
      const normal = await locked.query<{ architectures: { totalCount: number } }>(
        '{ architectures { totalCount } }',
      );
      expect(normal.data?.architectures.totalCount).toBeGreaterThan(0);
      // Nor the subgraph SDL, nor field names one guess at a time.
      const sdl = await locked.query('{ _service { sdl } }');
      expect(sdl.data ?? null).toBeNull();
      expect(sdl.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const guess = await locked.query('{ imagez { id } }');
      expect(guess.errors?.[0]?.message).toBe('Cannot query field "imagez" on type "Query".');
    } finally {
      await locked.close();
    }
  });

  it('SUBGRAPH_SDL=true serves the subgraph SDL to a router with introspection off', async () => {
    const router = await startHarness({ env: { INTROSPECTION: 'false', SUBGRAPH_SDL: 'true' } });
    try {
      const sdl = await router.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
      expect(sdl.data?._service.sdl).toContain('@key(fields: "foremanId")');
      const guess = await router.query('{ imagez { id } }');
      expect(guess.errors?.[0]?.message).not.toContain('Did you mean');
    } finally {
      await router.close();
    }
  });

  it('every error carries a code: CSRF, variables, validation, parsing', async () => {
    const send = async (init: RequestInit) => {
      const response = await fetch(`${harness.url}/graphql`, init);
      return ((await response.json()) as { errors: Array<{ extensions?: { code?: string } }> })
        .errors[0]?.extensions?.code;
    };
    const json = { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) };
    expect(
      await send({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }),
    ).toBe('BAD_REQUEST');
    const variables = (query: string, values: unknown) =>
      send({ method: 'POST', headers: json, body: JSON.stringify({ query, variables: values }) });
    expect(
      await variables('query($first: Int) { architectures(first: $first) { totalCount } }', {
        first: 'ten',
      }),
    ).toBe('BAD_USER_INPUT');
    expect(await variables('query($id: ID!) { architecture(id: $id) { name } }', {})).toBe(
      'BAD_USER_INPUT',
    );
    expect(await variables('{ imagez { id } }', {})).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await variables('{ images', {})).toBe('GRAPHQL_PARSE_FAILED');
  });
});
