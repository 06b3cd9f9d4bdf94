import { type Plugin, useReadinessCheck } from 'graphql-yoga';
import type { Dispatcher } from 'undici';

export interface ReadinessOptions {
  foremanUrl: string;
  dispatcher: Dispatcher;
  /** The service account's header, when one is configured. */
  serviceAuthorization: string | undefined;
  timeoutMs: number;
}

/**
 * `/readyz` (yoga's readiness check): Foreman's `/api/status` answers — with the service account
 * when one is configured (it must be accepted), otherwise any HTTP answer proves Foreman is
 * reachable (a 401 included: callers bring their own credentials).
 */
export function useForemanReadiness(options: ReadinessOptions): Plugin {
  const statusUrl = new URL(`${options.foremanUrl.replace(/\/+$/, '')}/api/status`);
  return useReadinessCheck({
    endpoint: '/readyz',
    check: async ({ fetchAPI }) => {
      const foreman = await probeForeman(statusUrl, options);
      return new fetchAPI.Response(
        JSON.stringify({ status: foreman.ready ? 'ready' : 'not ready', foreman }),
        {
          status: foreman.ready ? 200 : 503,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        },
      );
    },
  });
}

async function probeForeman(
  url: URL,
  options: ReadinessOptions,
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
