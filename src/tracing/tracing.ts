import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { CallTracing } from './call-span.js';

/**
 * Traces of the gateway's requests: an HTTP server span per request, a span for the GraphQL
 * operation it runs, and a client span per Foreman call, exported over OTLP/HTTP.
 */
export interface Tracing {
  /** The yoga plugin that opens and closes the request and operation spans: list it first. */
  readonly plugin: Plugin;
  /** The Foreman calls of this request, as children of its operation (or of the request). */
  callsOf(request: Request): CallTracing | undefined;
  /** The request's trace id when its spans are recorded and exported (for its log line). */
  sampledTraceId(request: Request): string | undefined;
  /** Exports the spans still queued (bounded by the export timeout), then stops. */
  shutdown(): Promise<void>;
}

/**
 * Tracing as configured, or undefined when it is off. Off, the OpenTelemetry SDK is never loaded
 * and nothing connects anywhere: what is imported here is only loaded when tracing is on.
 */
export async function startTracing(options: {
  config: Config;
  /** Foreman's base URL, named on its calls' spans. */
  foremanUrl: string;
  logger: Logger;
}): Promise<Tracing | undefined> {
  const { config } = options;
  if (!config.tracing) return undefined;
  const { createTracing } = await import('./sdk.js');
  return createTracing(config.tracing, {
    logger: options.logger,
    trustedProxies: config.logins.trustedProxies,
    foremanUrl: options.foremanUrl,
  });
}
