import type { Plugin } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import type { Metrics } from '../metrics.js';

export interface HealthOptions {
  foremanUrl: string;
  dispatcher: Dispatcher;
  /** The service account's header, when one is configured. */
  serviceAuthorization: string | undefined;
  timeoutMs: number;
  metrics: Metrics;
}

/**
 * `/healthz`: the process is up. `/readyz`: Foreman's `/api/status` answers — with the service
 * account when one is configured (it must be accepted), otherwise any HTTP answer proves Foreman
 * is reachable (a 401 included: callers bring their own credentials). `/metrics`: Prometheus.
 */
export function useHealth(options: HealthOptions): Plugin {
  const statusUrl = new URL(`${options.foremanUrl.replace(/\/+$/, '')}/api/status`);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      const json = (status: number, body: unknown) =>
        new fetchAPI.Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        });
      switch (url.pathname) {
        case '/healthz':
          endResponse(json(200, { status: 'ok' }));
          return;
        case '/readyz': {
          const foreman = await probeForeman(statusUrl, options);
          endResponse(
            json(foreman.ready ? 200 : 503, {
              status: foreman.ready ? 'ready' : 'not ready',
              foreman,
            }),
          );
          return;
        }
        case '/metrics':
          endResponse(
            new fetchAPI.Response(await options.metrics.registry.metrics(), {
              headers: { 'content-type': options.metrics.registry.contentType },
            }),
          );
          return;
      }
    },
  };
}

async function probeForeman(
  url: URL,
  options: HealthOptions,
): Promise<{ ready: boolean; status?: number; error?: string }> {
  try {
    const response = await options.dispatcher.request({
      origin: url.origin,
      path: url.pathname,
      method: 'GET',
      headers: {
        accept: 'application/json',
        ...(options.serviceAuthorization ? { authorization: options.serviceAuthorization } : {}),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    await response.body.dump();
    const ready = options.serviceAuthorization
      ? response.statusCode === 200
      : response.statusCode < 500;
    return { ready, status: response.statusCode };
  } catch (error) {
    return { ready: false, error: (error as Error).message };
  }
}
