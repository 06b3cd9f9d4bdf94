import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { graphqlWsClient } from '../helpers/graphql-ws.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * Logs and metrics say what clients received: every GraphQL request the gateway answers is one
 * `graphql operation` line at info, counted by the codes the client got, refusals before
 * execution included; probes log at debug; every HTTP request is counted by route and status.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ logLevel: 'debug', env: { MAX_BODY_BYTES: '2000' } });
});

afterAll(async () => {
  await harness.close();
});

type Line = Record<string, unknown>;

const parsed = (logs: string[]) => logs.map((line) => JSON.parse(line) as Line);

/** The log lines written while `work` ran (and its response was over). */
async function linesOf(work: () => Promise<unknown>, from: Harness = harness): Promise<Line[]> {
  const before = from.logs.length;
  await work();
  return parsed(from.logs.slice(before));
}

async function metricsText(from: Harness = harness): Promise<string> {
  return (await fetch(`${from.url}/metrics`)).text();
}

function sample(text: string, name: string, labels: string): number {
  const escaped = `${name}{${labels}}`.replace(/[{}()[\]\\.^$|?*+]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

const errorsCounted = (text: string, code: string) =>
  sample(text, 'graphql_errors_total', `code="${code}"`);

/** A POST to /graphql as clients send it (JSON, with credentials), or as `init` says. */
function post(body: string, headers: Record<string, string> = {}) {
  return fetch(`${harness.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: basicAuth(DEMO_ADMIN),
      ...headers,
    },
    body,
  });
}

const json = (value: unknown) => JSON.stringify(value);

describe('every GraphQL request is logged once and counted, with the codes the client received', () => {
  // Before: none of these was logged or counted but the two variable errors, which the log and
  // graphql_errors_total called INTERNAL_SERVER_ERROR.
  it.each([
    [
      'a missing variable',
      () => post(json({ query: 'query Q($id: ID!) { node(id: $id) { id } }' })),
      400,
      ['BAD_USER_INPUT'],
    ],
    [
      'a mistyped variable',
      () =>
        post(
          json({
            query: 'query Q($n: Int) { images(first: $n) { totalCount } }',
            variables: { n: 'x' },
          }),
        ),
      400,
      ['BAD_USER_INPUT'],
    ],
    [
      'a parse error',
      () => post(json({ query: '{ architectures { ' })),
      200,
      ['GRAPHQL_PARSE_FAILED'],
    ],
    [
      'an unknown field',
      () => post(json({ query: '{ architecturez { id } }' })),
      200,
      ['GRAPHQL_VALIDATION_FAILED'],
    ],
    [
      'a batched array',
      () => post(json([{ query: '{ __typename }' }, { query: '{ __typename }' }])),
      400,
      ['BAD_REQUEST'],
    ],
    [
      'a CSRF refusal (a form post)',
      () => post('query=%7B__typename%7D', { 'content-type': 'application/x-www-form-urlencoded' }),
      403,
      ['BAD_REQUEST'],
    ],
    ['invalid JSON', () => post('{"query": '), 400, ['BAD_REQUEST']],
    [
      'an operationName the document does not have',
      () => post(json({ query: 'query A { __typename }', operationName: 'B' })),
      400,
      ['OPERATION_RESOLUTION_FAILURE'],
    ],
    [
      'a body over MAX_BODY_BYTES',
      () => post(json({ query: `{ __typename }${' '.repeat(3_000)}` })),
      413,
      ['LIMIT_EXCEEDED'],
    ],
  ] as const)('%s', async (_name, send, status, codes) => {
    const before = await metricsText();
    let response: Response | undefined;
    const lines = await linesOf(async () => {
      response = await send();
      await response.text();
    });
    expect(response?.status).toBe(status);
    const operations = lines.filter((line) => line.msg === 'graphql operation');
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ level: 30, status, errorCodes: codes });
    const after = await metricsText();
    for (const code of new Set(codes)) {
      expect(errorsCounted(after, code) - errorsCounted(before, code)).toBe(
        codes.filter((c) => c === code).length,
      );
    }
    expect(errorsCounted(after, 'INTERNAL_SERVER_ERROR')).toBe(
      errorsCounted(before, 'INTERNAL_SERVER_ERROR'),
    );
  });

  it('logs the operation executed, not the first of the document', async () => {
    const before = await metricsText();
    const lines = await linesOf(async () => {
      const response = await post(
        json({
          query: 'query A { __typename } mutation B { __typename }',
          operationName: 'B',
        }),
      );
      expect(await response.json()).toEqual({ data: { __typename: 'Mutation' } });
    });
    // Before: operation B logged as a query, A's type.
    expect(lines.filter((line) => line.msg === 'graphql operation')).toEqual([
      expect.objectContaining({ operation: 'B', operationType: 'mutation', status: 200 }),
    ]);
    const after = await metricsText();
    const mutations = (text: string) =>
      sample(
        text,
        'graphql_operation_duration_seconds_count',
        'operation_type="mutation",outcome="ok"',
      );
    expect(mutations(after) - mutations(before)).toBe(1);
  });

  it('GraphQL over GET is logged and counted too', async () => {
    const lines = await linesOf(async () => {
      const response = await fetch(
        `${harness.url}/graphql?query=${encodeURIComponent('query Named { __typename }')}`,
        {
          headers: {
            accept: 'application/json',
            authorization: basicAuth(DEMO_ADMIN),
            'x-graphql-yoga-csrf': '1',
          },
        },
      );
      await response.text();
    });
    expect(lines.filter((line) => line.msg === 'graphql operation')).toEqual([
      expect.objectContaining({ level: 30, operation: 'Named', operationType: 'query' }),
    ]);
  });

  it('an operation over WebSocket is logged when it is executed', async () => {
    const client = graphqlWsClient(harness.url, {
      headers: { authorization: basicAuth(DEMO_ADMIN) },
    });
    try {
      const lines = await linesOf(() =>
        client.run('query OverWs { architectures { totalCount } }'),
      );
      expect(lines.filter((line) => line.msg === 'graphql operation')).toEqual([
        expect.objectContaining({
          level: 30,
          operation: 'OverWs',
          operationType: 'query',
          transport: 'websocket',
        }),
      ]);
    } finally {
      await client.dispose();
    }
  });

  it('an operation over WebSocket refused before it runs is logged and counted too', async () => {
    const client = graphqlWsClient(harness.url, {
      headers: { authorization: basicAuth(DEMO_ADMIN) },
    });
    try {
      const before = errorsCounted(await metricsText(), 'GRAPHQL_VALIDATION_FAILED');
      const lines = await linesOf(async () => {
        const answer = await client.run('query Mistyped { architectures { nope } }');
        expect(answer.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      });
      expect(lines.filter((line) => line.msg === 'graphql operation')).toEqual([
        expect.objectContaining({
          level: 30,
          operation: 'Mistyped',
          operationType: 'query',
          transport: 'websocket',
          errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
        }),
      ]);
      expect(errorsCounted(await metricsText(), 'GRAPHQL_VALIDATION_FAILED')).toBe(before + 1);
    } finally {
      await client.dispose();
    }
  });
});

describe('HTTP requests', () => {
  it('probes log at debug, everything else at info', async () => {
    const lines = await linesOf(async () => {
      for (const path of ['/healthz', '/readyz', '/metrics', '/sign-out', '/nope']) {
        await (await fetch(`${harness.url}${path}`)).text();
      }
    });
    const http = lines.filter((line) => line.msg === 'http request');
    expect(http.map((line) => [line.route, line.level])).toEqual([
      ['/healthz', 20],
      ['/readyz', 20],
      ['/metrics', 20],
      ['/sign-out', 30],
      ['other', 30],
    ]);
    expect(http.find((line) => line.route === 'other')).toMatchObject({
      path: '/nope',
      status: 404,
    });
  });

  it('are counted, with their duration, by route and status', async () => {
    await (await post(json({ query: '{ __typename }' }))).text();
    await (await fetch(`${harness.url}/healthz`)).text();
    await (await fetch(`${harness.url}/readyz`)).text();
    await (await fetch(`${harness.url}/sign-in`)).text();
    await (await fetch(`${harness.url}/sign-out`)).text();
    await (await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    await (await fetch(`${harness.url}/no/such/path?token=secret`)).text();
    await (await fetch(`${harness.url}/metrics`)).text();
    const text = await metricsText();
    for (const [route, status] of [
      ['/graphql', 200],
      ['/healthz', 200],
      ['/readyz', 200],
      ['/metrics', 200],
      ['/sign-in', 401],
      ['/sign-out', 200],
      ['graphiql', 200],
      ['other', 404],
    ] as const) {
      const labels = `route="${route}",status="${status}"`;
      expect(sample(text, 'http_requests_total', labels), labels).toBeGreaterThan(0);
      expect(sample(text, 'http_request_duration_seconds_count', labels), labels).toBe(
        sample(text, 'http_requests_total', labels),
      );
    }
    // A fixed set of routes: no path of its own, and nothing of its query string.
    expect(text).not.toMatch(/no\/such|secret/);
  });
});

describe('at the shutdown deadline', () => {
  it('a request answered with the errors of its cancelled work is logged with them, not as cancelled', async () => {
    const stopping = await startHarness({ logLevel: 'info' });
    stopping.demo.injectFault({ path: '/api/operatingsystems', delayMs: 10_000 });
    const answer = fetch(`${stopping.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
      body: json({ query: 'query Slow { operatingSystems { totalCount } }' }),
    }).then((response) => response.json());
    await expect
      .poll(() => stopping.upstream().some((r) => r.path === '/api/operatingsystems'))
      .toBe(true);
    await stopping.close(200);
    // The client was answered…
    expect(await answer).toMatchObject({
      errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE', upstreamCause: 'cancelled' } }],
    });
    // …and the log says so. Before: `cancelled: true` and no codes.
    const operation = parsed(stopping.logs).find((line) => line.msg === 'graphql operation');
    expect(operation).toMatchObject({
      operation: 'Slow',
      status: 200,
      errorCodes: ['UPSTREAM_UNAVAILABLE'],
      upstreamCauses: ['cancelled'],
    });
    expect(operation).not.toHaveProperty('cancelled');
  });

  it('a request the gateway had to cut off is logged as cut off, not as cancelled', async () => {
    const stopping = await startHarness({ logLevel: 'info' });
    // A client still sending its body at the deadline: nothing can answer it.
    const socket = connect(Number(new URL(stopping.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write(
      'POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":',
    );
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // A round trip on another connection: by its end the gateway has read those headers.
    await (await fetch(`${stopping.url}/healthz`)).text();
    await stopping.close(200);
    await closed;
    // The response's end is told a moment after the server has closed.
    const operation = () => parsed(stopping.logs).find((line) => line.msg === 'graphql operation');
    await expect.poll(operation).toBeDefined();
    expect(operation()).toMatchObject({ status: 0, cutOff: true });
    expect(operation()).not.toHaveProperty('cancelled');
  });
});
