import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from '../helpers/otlp-receiver.js';
import { subscribe } from '../helpers/sse.js';

/**
 * Traces over OTLP/HTTP, received by a stand-in collector on 127.0.0.1: the HTTP request, the
 * GraphQL operation as executed and each Foreman call, nested; the `traceparent` Foreman gets; a
 * caller's trace continued, its sampled flag taken only from a trusted proxy.
 */

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;

/**
 * Two operations in one document; `Two` runs, and asks Foreman twice (images, architectures).
 * Spans and the log line name the one that ran, not the first.
 */
const DOCUMENT = `
  mutation One { deleteImage(input: { id: "1" }) { deletedId } }
  query Two {
    images(computeResourceId: "2", first: 2) { nodes { name architecture { name createdAt } } }
  }`;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

function post(
  harness: Harness,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${harness.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: basicAuth(DEMO_ADMIN),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const traceparentOf = (traceId: string, spanId: string, sampled: boolean) =>
  `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;

const byKind = (spans: ReceivedSpan[], kind: number) => spans.filter((span) => span.kind === kind);

describe('tracing over OTLP/HTTP (http/json)', () => {
  let receiver: OtlpReceiver;
  let harness: Harness;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    harness = await startHarness({
      logLevel: 'info',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k%20e%2Cy',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
    });
  });

  afterAll(async () => {
    await harness.close();
    await receiver.close();
  });

  it('exports the request, the operation that ran and its two Foreman calls, nested', async () => {
    harness.resetCounts();
    const response = await post(
      harness,
      { query: DOCUMENT, operationName: 'Two' },
      {
        'x-request-id': 'trace-test-1',
      },
    );
    expect(response.status).toBe(200);
    expect((await response.json()).errors).toBeUndefined();

    const upstream = harness.upstream();
    expect(upstream.map((call) => call.path).sort()).toEqual([
      '/api/architectures',
      '/api/compute_resources/2/images',
    ]);
    const traceId = upstream[0]?.headers.traceparent?.split('-')[1] as string;
    const spans = await receiver.waitForSpans(traceId, 4);
    expect(spans).toHaveLength(4);

    const [server] = byKind(spans, SERVER);
    expect(server).toMatchObject({
      name: 'POST /graphql',
      parentSpanId: undefined,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/graphql',
        'http.response.status_code': 200,
        'request.id': 'trace-test-1',
      },
      statusCode: 0,
      resource: {
        'service.name': 'foreman-images-graphql',
        'deployment.environment.name': 'test',
      },
    });
    const [operation] = byKind(spans, INTERNAL);
    expect(operation).toMatchObject({
      name: 'query Two',
      parentSpanId: server?.spanId,
      attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'Two' },
    });
    const calls = byKind(spans, CLIENT);
    expect(calls.map((call) => call.name).sort()).toEqual([
      'GET /api/architectures',
      'GET /api/compute_resources/:id/images',
    ]);
    const demoPort = Number(new URL(harness.demo.url).port);
    for (const call of calls) {
      expect(call.parentSpanId).toBe(operation?.spanId);
      expect(call.attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
        'server.port': demoPort,
        'request.id': 'trace-test-1',
      });
      expect(call.attributes['http.request.resend_count']).toBeUndefined();
    }
    expect(calls.find((call) => call.name.includes('images'))?.attributes['url.template']).toBe(
      '/api/compute_resources/:id/images',
    );

    // Each Foreman call carried its own span as the parent of what Foreman does, and the request
    // id Foreman records as request_uuid, unchanged.
    expect(upstream.map((call) => call.headers.traceparent).sort()).toEqual(
      calls.map((call) => traceparentOf(traceId, call.spanId, true)).sort(),
    );
    expect(upstream.map((call) => call.headers['x-request-id'])).toEqual([
      'trace-test-1',
      'trace-test-1',
    ]);

    // The operation's log line names the trace.
    const line = harness.logs
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((entry) => entry.msg === 'graphql operation' && entry.requestId === 'trace-test-1');
    expect(line).toMatchObject({ traceId, operation: 'Two', operationType: 'query' });

    // What the collector received: JSON at the standard path, with the configured headers.
    const received = receiver.exports.at(-1);
    expect(received?.path).toBe('/v1/traces');
    expect(received?.headers['content-type']).toBe('application/json');
    expect(received?.headers['x-api-key']).toBe('k e,y');
  });

  it("continues a caller's trace (traceparent and tracestate); Foreman gets it too", async () => {
    harness.resetCounts();
    const response = await post(
      harness,
      { query: '{ architecture(id: "1") { name } }' },
      {
        traceparent: traceparentOf(TRACE_ID, CALLER_SPAN_ID, true),
        tracestate: 'vendor=opaque-value',
      },
    );
    expect(response.status).toBe(200);
    const spans = await receiver.waitForSpans(TRACE_ID, 3);
    const [server] = byKind(spans, SERVER);
    expect(server).toMatchObject({
      parentSpanId: CALLER_SPAN_ID,
      traceState: 'vendor=opaque-value',
    });
    const [call] = byKind(spans, CLIENT);
    const [upstream] = harness.upstream();
    expect(upstream?.headers.traceparent).toBe(traceparentOf(TRACE_ID, call?.spanId ?? '', true));
    expect(upstream?.headers.tracestate).toBe('vendor=opaque-value');
  });

  it("takes an untrusted caller's trace id but not its decision: unsampled, it is traced here", async () => {
    harness.resetCounts();
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    await post(
      harness,
      { query: '{ architecture(id: "1") { name } }' },
      { traceparent: traceparentOf(traceId, CALLER_SPAN_ID, false) },
    );
    // The gateway's own decision (parentbased_always_on: a trace that starts here is sampled).
    const spans = await receiver.waitForSpans(traceId, 3);
    expect(byKind(spans, SERVER)[0]?.parentSpanId).toBe(CALLER_SPAN_ID);
    expect(harness.upstream()[0]?.headers.traceparent).toMatch(
      new RegExp(`^00-${traceId}-\\w{16}-01$`),
    );
  });

  it('marks a Foreman call that failed, with its error type, and a retry with its resend count', async () => {
    harness.resetCounts();
    harness.demo.injectFault({ path: '/api/architectures', status: 503, times: 1 });
    const response = await post(harness, { query: '{ architectures { totalCount } }' });
    expect((await response.json()).errors).toBeUndefined();
    const [first, retry] = harness.upstream();
    const traceId = first?.headers.traceparent?.split('-')[1] as string;
    expect(retry?.headers.traceparent?.split('-')[1]).toBe(traceId);
    const calls = byKind(await receiver.waitForSpans(traceId, 4), CLIENT);
    const failed = calls.find((call) => call.attributes['http.response.status_code'] === 503);
    expect(failed).toMatchObject({ statusCode: 2, attributes: { 'error.type': '503' } });
    expect(failed?.attributes['http.request.resend_count']).toBeUndefined();
    const retried = calls.find((call) => call.attributes['http.response.status_code'] === 200);
    expect(retried).toMatchObject({
      statusCode: 0,
      attributes: { 'http.request.resend_count': 1 },
    });
  });

  it('names other routes from a fixed set, and marks an operation with errors', async () => {
    await fetch(`${harness.url}/healthz`);
    await fetch(`${harness.url}/no/such/path/${Math.random()}`);
    const response = await post(harness, {
      query: 'query Missing { architecture(id: "999999") { name } }',
    });
    const { errors } = (await response.json()) as {
      errors?: Array<{ extensions: { code: string } }>;
    };
    expect(errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    await expect
      .poll(() => receiver.spans().map((span) => span.name), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['GET /healthz', 'GET other', 'query Missing']));
    const missing = receiver.spans().find((span) => span.name === 'query Missing');
    expect(missing).toMatchObject({
      statusCode: 2,
      attributes: { 'graphql.error.codes': ['NOT_FOUND'] },
    });
  });
});

describe('tracing a subscription', () => {
  it("puts each event's Foreman calls under the subscription's span; audit polls are not traced", async () => {
    const receiver = await startOtlpReceiver();
    const harness = await startHarness({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '20',
        AUDIT_POLL_INTERVAL_MS: '100',
      },
    });
    const traceId = 'e1b2c3d4e5f60718293a4b5c6d7e8f90';
    try {
      const stream = await subscribe(
        harness.url,
        'subscription Changes { imageChanged { action image { name architecture { createdAt } } } }',
        {
          headers: {
            authorization: basicAuth(DEMO_ADMIN),
            traceparent: traceparentOf(traceId, CALLER_SPAN_ID, true),
          },
        },
      );
      // The subscription is in place once the audit log has been read for it.
      await expect
        .poll(() => harness.upstream().some((call) => call.path === '/api/audits'))
        .toBe(true);
      await harness.query(
        `mutation { createImage(input: { computeResourceId: "1", name: "traced-1", username: "root",
          uuid: "/var/lib/libvirt/images/traced-1.qcow2", architectureId: "1", operatingSystemId: "1" }) {
          image { id } } }`,
      );
      await stream.waitFor(1);
      stream.close();
      const eventCalls = harness
        .upstream()
        .filter((call) => call.headers.traceparent?.split('-')[1] === traceId);
      expect(eventCalls.length).toBeGreaterThan(0);
      const polls = harness.upstream().filter((call) => call.path === '/api/audits');
      expect(polls.map((call) => call.headers.traceparent)).toEqual(polls.map(() => undefined));

      const spans = await receiver.waitForSpans(traceId, 2 + eventCalls.length);
      const [server] = byKind(spans, SERVER);
      const [operation] = byKind(spans, INTERNAL);
      expect(operation).toMatchObject({
        name: 'subscription Changes',
        parentSpanId: server?.spanId,
        attributes: { 'graphql.operation.type': 'subscription' },
      });
      const calls = byKind(spans, CLIENT);
      expect(calls).toHaveLength(eventCalls.length);
      for (const call of calls) expect(call.parentSpanId).toBe(operation?.spanId);
    } finally {
      await harness.close();
      await receiver.close();
    }
  });
});

/**
 * A sampler that traces almost nothing of its own accord (a ratio of one in a million) but follows
 * a sampled parent: whether a caller's flag counts is then plain to see.
 */
const FOLLOWING_SAMPLER = {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.000001',
};

describe("a caller's sampled flag", () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });

  afterAll(() => receiver.close());

  const tracedGateway = (trustedProxies: string) =>
    startHarness({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        TRUSTED_PROXIES: trustedProxies,
        ...FOLLOWING_SAMPLER,
      },
    });
  const query = { query: '{ architecture(id: "1") { name } }' };

  it('is not honoured from a caller that is not a trusted proxy, whatever its trace id', async () => {
    // The tests call from 127.0.0.1, which is not in this list.
    const harness = await tracedGateway('10.0.0.0/8');
    const sampledByCaller = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';
    // A ratio sampler keeps the trace ids whose low bits are small: a caller could pick one.
    const chosenToBeKept = '00000000000000000000000000000001';
    try {
      await post(harness, query, {
        traceparent: traceparentOf(sampledByCaller, CALLER_SPAN_ID, true),
      });
      await post(harness, query, {
        traceparent: traceparentOf(chosenToBeKept, CALLER_SPAN_ID, true),
      });
      // The trace ids are continued towards Foreman, unsampled.
      expect(harness.upstream().map((call) => call.headers.traceparent)).toEqual([
        expect.stringMatching(new RegExp(`^00-${sampledByCaller}-\\w{16}-00$`)),
        expect.stringMatching(new RegExp(`^00-${chosenToBeKept}-\\w{16}-00$`)),
      ]);
    } finally {
      // Stopping exports whatever was recorded: nothing, here.
      await harness.close();
    }
    expect(receiver.spans().map((span) => span.traceId)).not.toContain(sampledByCaller);
    expect(receiver.spans().map((span) => span.traceId)).not.toContain(chosenToBeKept);
  });

  it('is honoured from a trusted proxy, sampled or not', async () => {
    const harness = await tracedGateway('127.0.0.1');
    const sampled = 'c1b2c3d4e5f60718293a4b5c6d7e8f90';
    const unsampled = 'd1b2c3d4e5f60718293a4b5c6d7e8f90';
    try {
      await post(harness, query, { traceparent: traceparentOf(sampled, CALLER_SPAN_ID, true) });
      await post(harness, query, { traceparent: traceparentOf(unsampled, CALLER_SPAN_ID, false) });
      expect(harness.upstream().map((call) => call.headers.traceparent)).toEqual([
        expect.stringMatching(new RegExp(`^00-${sampled}-\\w{16}-01$`)),
        expect.stringMatching(new RegExp(`^00-${unsampled}-\\w{16}-00$`)),
      ]);
    } finally {
      await harness.close();
    }
    expect(receiver.spans().filter((span) => span.traceId === sampled)).toHaveLength(3);
    expect(receiver.spans().map((span) => span.traceId)).not.toContain(unsampled);
  });
});

describe('tracing over OTLP/HTTP (http/protobuf, the default)', () => {
  it('sends protobuf to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, and flushes on stop', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const harness = await startHarness({
        env: {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces`,
          // Nothing leaves on its own within the test: only stopping sends the spans.
          OTEL_BSP_SCHEDULE_DELAY: '600000',
        },
      });
      let traceId: string;
      try {
        const response = await post(harness, { query: '{ architecture(id: "1") { name } }' });
        expect(response.status).toBe(200);
        traceId = harness.upstream()[0]?.headers.traceparent?.split('-')[1] as string;
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(receiver.exports).toEqual([]);
      } finally {
        await harness.close();
      }
      expect(receiver.exports).toHaveLength(1);
      const [received] = receiver.exports;
      expect(received?.path).toBe('/custom/traces');
      expect(received?.headers['content-type']).toBe('application/x-protobuf');
      // Protobuf carries ids as raw bytes.
      expect(received?.body.includes(Buffer.from(traceId, 'hex'))).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

describe('a collector that fails', () => {
  const query = { query: '{ architecture(id: "1") { name } }' };

  it('is reported in the log once, not at every export', async () => {
    const receiver = await startOtlpReceiver('bad-request');
    const harness = await startHarness({
      logLevel: 'warn',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=never-logged',
        OTEL_BSP_SCHEDULE_DELAY: '10',
      },
    });
    try {
      for (let exports = 1; exports <= 3; exports++) {
        await post(harness, query);
        await expect.poll(() => receiver.exports.length).toBe(exports);
      }
    } finally {
      await harness.close();
      await receiver.close();
    }
    const lines = harness.logs.filter((line) =>
      line.includes('tracing: spans could not be exported'),
    );
    expect(lines).toHaveLength(1);
    expect(harness.logs.join('\n')).not.toContain('never-logged');
  });

  it('does not hold the stop for its export timeout', async () => {
    const receiver = await startOtlpReceiver('never');
    const harness = await startHarness({
      logLevel: 'warn',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // Longer than the test may take: only the gateway's own bound on the flush ends the stop.
        OTEL_EXPORTER_OTLP_TIMEOUT: '120000',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
    });
    try {
      await post(harness, query);
    } finally {
      await harness.close();
      await receiver.close();
    }
    expect(receiver.exports).toHaveLength(1);
    expect(harness.logs.join('\n')).toContain('tracing: the collector did not take the last spans');
  });
});
