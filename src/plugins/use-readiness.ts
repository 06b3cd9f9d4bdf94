import type { Plugin } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import { BACKGROUND, type UpstreamScheduler } from '../foreman/http/scheduler.js';

export interface ReadinessOptions {
  foremanUrl: string;
  dispatcher: Dispatcher;
  /** Probes take a slot as background work, like any other call to Foreman. */
  scheduler: UpstreamScheduler;
  timeoutMs: number;
  /** True while the gateway drains before it stops: not ready, though requests are served. */
  draining?: () => boolean;
  /** What the gateway has learnt of its service account (none configured: undefined). */
  serviceAccount?: () => Promise<'accepted' | 'refused' | 'unknown'>;
}

/** How long one ping to Foreman answers every readiness probe. */
const PROBE_SHARED_FOR_MS = 1_000;

interface ForemanProbe {
  ready: boolean;
  status?: number;
  /** Why not, in words that name no address or internal detail. */
  reason?: string;
}

/**
 * `/readyz`: Foreman answers `GET /api/ping`, the one API route it serves
 * without authentication. No credentials are ever sent, so a probe can never count as a failed
 * login in Foreman's brute-force protection (an unauthenticated `/api/status` would: 30 probes
 * would lock every caller out). With a service account, whether Foreman accepted it is what the
 * gateway's own requests learnt; a refused one makes the gateway not ready.
 */
export function useForemanReadiness(options: ReadinessOptions): Plugin {
  const pingUrl = new URL(`${options.foremanUrl.replace(/\/+$/, '')}/api/ping`);
  // Probes share one answer for a moment: 50 probes at once are one ping, not 50 of Foreman's
  // request slots.
  let shared: { at: number; probe: Promise<ForemanProbe> } | undefined;
  const probe = (): Promise<ForemanProbe> => {
    const now = Date.now();
    if (!shared || now - shared.at >= PROBE_SHARED_FOR_MS) {
      shared = { at: now, probe: probeForeman(pingUrl, options) };
    }
    return shared.probe;
  };
  // Not yoga's useReadinessCheck: it tests every request's URL against a URLPattern (a
  // polyfill here), which measured about 2% of a small query's CPU. A path compare does.
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      // Synchronous for every other request: no promise, no tick.
      if (url.pathname !== '/readyz') return;
      if (options.draining?.()) {
        // Orchestrators stop routing here; requests that still come are served.
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: 'draining' }), {
            status: 503,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          }),
        );
        return;
      }
      return answer(endResponse, fetchAPI);
    },
  };

  async function answer(
    endResponse: (response: Response) => void,
    fetchAPI: { Response: typeof Response },
  ): Promise<void> {
    const [foreman, serviceAccount] = await Promise.all([probe(), options.serviceAccount?.()]);
    const ready = foreman.ready && serviceAccount !== 'refused';
    endResponse(
      new fetchAPI.Response(
        JSON.stringify({
          status: ready ? 'ready' : 'not ready',
          foreman,
          ...(serviceAccount ? { serviceAccount } : {}),
        }),
        {
          status: ready ? 200 : 503,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        },
      ),
    );
  }
}

async function probeForeman(url: URL, options: ReadinessOptions): Promise<ForemanProbe> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let slot: { release(): void } | undefined;
  try {
    slot = await options.scheduler.acquire({
      share: BACKGROUND,
      route: '/api/ping',
      deadline: Date.now() + options.timeoutMs,
      signal,
    });
    const response = await options.dispatcher.request({
      origin: url.origin,
      path: url.pathname,
      method: 'GET',
      headers: { accept: 'application/json' },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      return { ready: false, status: response.statusCode, reason: 'Foreman answered an error' };
    }
    // Foreman reports its database's state in the ping.
    const database = (
      JSON.parse(text) as { results?: { foreman?: { database?: { active?: unknown } } } }
    ).results?.foreman?.database;
    return database?.active === false
      ? { ready: false, status: 200, reason: "Foreman's database is not active" }
      : { ready: true, status: 200 };
  } catch {
    return { ready: false, reason: 'Foreman could not be reached or did not answer in time' };
  } finally {
    slot?.release();
  }
}
