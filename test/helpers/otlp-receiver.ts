import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One export request as the receiver got it. */
export interface ReceivedExport {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A span from an OTLP/JSON export, with its resource's and its own attributes made plain. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  name: string;
  /** OTLP's numbers: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  exports: ReceivedExport[];
  /** Every span of the JSON exports so far. */
  spans(): ReceivedSpan[];
  /** The spans of one trace, once at least `count` of them have arrived (bounded wait). */
  waitForSpans(traceId: string, count: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP collector stand-in on 127.0.0.1: it keeps what it receives and answers 200, as a
 * collector does (or, to play a broken one, 400 to everything, or never). JSON exports are
 * decoded; protobuf ones are kept as bytes.
 */
export async function startOtlpReceiver(
  answer: 'ok' | 'bad-request' | 'never' = 'ok',
): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      exports.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      if (answer === 'never') return;
      if (answer === 'bad-request') {
        response.writeHead(400).end();
        return;
      }
      const json = request.headers['content-type'] === 'application/json';
      response.writeHead(200, {
        'content-type': json ? 'application/json' : 'application/x-protobuf',
      });
      response.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const spans = () =>
    exports
      .filter((received) => received.headers['content-type'] === 'application/json')
      .flatMap((received) => spansOf(JSON.parse(received.body.toString('utf8'))));
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    spans,
    async waitForSpans(traceId, count) {
      for (let waited = 0; waited < 10_000; waited += 20) {
        const found = spans().filter((span) => span.traceId === traceId);
        if (found.length >= count) return found;
        await sleep(20);
      }
      throw new Error(`fewer than ${count} spans of trace ${traceId} arrived`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

function plain(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, attributeValue(value)]));
}

function attributeValue(value: Record<string, unknown>): unknown {
  if ('arrayValue' in value) {
    const values = (value.arrayValue as { values?: Record<string, unknown>[] }).values ?? [];
    return values.map(attributeValue);
  }
  if ('intValue' in value) return Number(value.intValue);
  return Object.values(value)[0];
}

function spansOf(body: {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
  }>;
}): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = plain(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId as string,
        spanId: span.spanId as string,
        parentSpanId: (span.parentSpanId as string | undefined) || undefined,
        traceState: (span.traceState as string | undefined) || undefined,
        name: span.name as string,
        kind: span.kind as number,
        attributes: plain(span.attributes as OtlpAttribute[]),
        statusCode: ((span.status as { code?: number } | undefined)?.code ?? 0) as number,
        resource,
      })),
    );
  });
}
