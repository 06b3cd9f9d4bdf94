import { setTimeout as sleep } from 'node:timers/promises';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { samplerFor } from './sampler.js';
import type { Tracing } from './tracing.js';
import { RequestTraces, useTracing } from './use-tracing.js';

/**
 * How long stopping waits for the last spans: a collector that is down would otherwise hold the
 * exit for the whole export timeout, with its retries, past the process's own deadline.
 */
const SHUTDOWN_FLUSH_MS = 3_000;

/**
 * The OpenTelemetry SDK, loaded only when tracing is on: spans sampled as configured, queued and
 * sent in batches over OTLP/HTTP. Nothing global is registered but the SDK's diagnostics and
 * error handler (export failures), which go to the gateway's log.
 */
export async function createTracing(
  config: TracingConfig,
  options: { logger: Logger; trustedProxies: readonly string[]; foremanUrl: string },
): Promise<Tracing> {
  const { logger } = options;
  const warn = rateLimited(logger);
  diag.setLogger(diagnostics(warn), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  setGlobalErrorHandler((error) =>
    warn('tracing: spans could not be exported', error instanceof Error ? error.message : error),
  );
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
        [ATTR_SERVICE_NAME]: config.serviceName,
      }),
    ),
    sampler: samplerFor(config.sampler, config.samplerRatio),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: await exporterFor(config),
        scheduledDelayMillis: config.batch.scheduledDelayMs,
        exportTimeoutMillis: config.batch.exportTimeoutMs,
        maxQueueSize: config.batch.maxQueueSize,
        maxExportBatchSize: config.batch.maxExportBatchSize,
      }),
    ],
  });
  const foreman = new URL(options.foremanUrl);
  const traces = new RequestTraces(provider.getTracer('foreman-images-graphql'), {
    trustedProxies: options.trustedProxies,
    foreman: {
      address: foreman.hostname,
      port: Number(foreman.port) || (foreman.protocol === 'https:' ? 443 : 80),
    },
  });
  const endpoint = new URL(config.endpoint);
  // The endpoint without its query string (which might hold a key); headers are never logged.
  logger.info(
    {
      tracing: {
        endpoint: `${endpoint.origin}${endpoint.pathname}`,
        protocol: config.protocol,
        sampler: config.sampler,
        ...(config.sampler.endsWith('traceidratio') ? { ratio: config.samplerRatio } : {}),
        serviceName: config.serviceName,
      },
    },
    'tracing: spans are exported over OTLP/HTTP',
  );
  return {
    plugin: useTracing(traces),
    callsOf: (request) => traces.of(request),
    sampledTraceId: (request) => traces.of(request)?.sampledTraceId,
    async shutdown() {
      const flushed = provider.shutdown().then(
        () => true,
        (error: unknown) => {
          warn('tracing: spans could not be exported', String(error));
          return true;
        },
      );
      const timedOut = sleep(SHUTDOWN_FLUSH_MS, false, { ref: false });
      if (!(await Promise.race([flushed, timedOut]))) {
        logger.warn(
          `tracing: the collector did not take the last spans within ${SHUTDOWN_FLUSH_MS} ms of stopping; they are dropped`,
        );
      }
    },
  };
}

/** Only the exporter of the configured protocol is loaded. */
async function exporterFor(config: TracingConfig): Promise<SpanExporter> {
  const options = {
    url: config.endpoint,
    headers: config.headers,
    timeoutMillis: config.timeoutMs,
    compression: config.compression,
  };
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options as ConstructorParameters<typeof OTLPTraceExporter>[0]);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options as ConstructorParameters<typeof OTLPTraceExporter>[0]);
}

type Warn = (message: string, detail?: unknown) => void;

/** The SDK's own warnings and errors (spans dropped from a full queue, say). */
function diagnostics(warn: Warn): DiagLogger {
  const log = (message: string, ...args: unknown[]) =>
    warn(`tracing: ${message}`, args.map(String).join(' ') || undefined);
  const ignore = () => undefined;
  return { error: log, warn: log, info: ignore, debug: ignore, verbose: ignore };
}

/**
 * Warnings at most once a minute, the first at once: a collector that is down fails every export
 * and would otherwise write a line each time. The next line says how many were left out.
 */
function rateLimited(logger: Logger, intervalMs = 60_000): Warn {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (message, detail) => {
    const now = performance.now();
    if (now - last < intervalMs) {
      suppressed += 1;
      return;
    }
    last = now;
    logger.warn(
      { ...(detail === undefined ? {} : { detail }), ...(suppressed > 0 ? { suppressed } : {}) },
      message,
    );
    suppressed = 0;
  };
}
