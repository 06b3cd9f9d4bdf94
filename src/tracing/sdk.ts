import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { samplerFor } from './sampler.js';
import type { Tracing } from './tracing.js';
import { RequestTraces, useTracing } from './use-tracing.js';

/**
 * The OpenTelemetry SDK, loaded only when tracing is on: spans sampled as configured, queued and
 * sent in batches over OTLP/HTTP. Nothing global is registered but the SDK's diagnostics (export
 * failures), which go to the gateway's log.
 */
export async function createTracing(
  config: TracingConfig,
  options: { logger: Logger; trustedProxies: readonly string[]; foremanUrl: string },
): Promise<Tracing> {
  const { logger } = options;
  diag.setLogger(diagnostics(logger), {
    logLevel: DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
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
    shutdown: () => provider.shutdown(),
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

/** The SDK's warnings and errors (a collector that cannot be reached, say) as log lines. */
function diagnostics(logger: Logger): DiagLogger {
  const log =
    (level: 'warn' | 'debug') =>
    (message: string, ...args: unknown[]) =>
      logger[level]({ detail: args.map(String).join(' ') || undefined }, `tracing: ${message}`);
  return {
    error: log('warn'),
    warn: log('warn'),
    info: log('debug'),
    debug: log('debug'),
    verbose: log('debug'),
  };
}
