import type { Plugin } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import { type UpstreamCause, UpstreamError } from '../foreman/errors.js';
import { BACKGROUND, type UpstreamScheduler } from '../foreman/http/scheduler.js';
import { connectionFailureCause, explainCause } from '../foreman/upstream-causes.js';
import type { Logger } from '../logger.js';

export interface ForemanPingOptions {
  foremanUrl: string;
  dispatcher: Dispatcher;
  /** Pings take a slot as background work, like any other call to Foreman. */
  scheduler: UpstreamScheduler;
  timeoutMs: number;
  /** Told at warn when Foreman cannot be used, and at info when it can again. */
  logger: Logger;
}

/** What one ping found; `cause` and `reason` name no address or internal detail. */
export interface ForemanProbe {
  ready: boolean;
  status?: number;
  /** Why not, in the word clients read in `extensions.upstreamCause`. */
  cause?: UpstreamCause;
  /** Why not, in words. */
  reason?: string;
}

/** How long one ping to Foreman answers every readiness probe. */
const PROBE_SHARED_FOR_MS = 1_000;

/**
 * Whether FOREMAN_URL leads to a working Foreman, asked with `GET /api/ping`, the one API route
 * Foreman serves without authentication. No credentials are ever sent, so a ping can never count
 * as a failed login in Foreman's brute-force protection (an unauthenticated `/api/status` would:
 * 30 probes would lock every caller out). Asked at start and by `/readyz`; pings within a second
 * share one answer (50 probes at once are one ping, not 50 of Foreman's request slots).
 *
 * What is wrong is logged at warn when it starts being wrong or changes (an untrusted certificate,
 * a refused port, not Foreman…), and at info once Foreman answers again: a healthy Foreman adds
 * nothing to the log, and a probe every few seconds does not repeat the same warning.
 */
export class ForemanPing {
  readonly #options: ForemanPingOptions;
  readonly #url: URL;
  #shared: { at: number; probe: Promise<ForemanProbe> } | undefined;
  /** What was last logged: `ready`, or the cause. */
  #told: string | undefined;

  constructor(options: ForemanPingOptions) {
    this.#options = options;
    this.#url = new URL(`${options.foremanUrl.replace(/\/+$/, '')}/api/ping`);
  }

  /** For probes: the answer of a ping made less than a second ago, else a new ping. */
  check(): Promise<ForemanProbe> {
    const now = Date.now();
    if (!this.#shared || now - this.#shared.at >= PROBE_SHARED_FOR_MS) {
      this.#shared = { at: now, probe: this.checkNow() };
    }
    return this.#shared.probe;
  }

  /** A ping of its own (at start: a probe that comes just after asks again). */
  async checkNow(): Promise<ForemanProbe> {
    const { probe, detail } = await this.#ping();
    this.#tell(probe, detail);
    return probe;
  }

  #tell(probe: ForemanProbe, detail: string | undefined): void {
    const state = probe.ready ? 'ready' : (probe.cause ?? 'unknown');
    if (state === this.#told) return;
    const first = this.#told === undefined;
    this.#told = state;
    const { logger, foremanUrl } = this.#options;
    if (probe.ready) {
      if (!first) logger.info({ foreman: foremanUrl }, 'Foreman answers GET /api/ping again');
      return;
    }
    const cause = probe.cause ?? 'network';
    logger.warn(
      {
        foreman: foremanUrl,
        cause,
        ...(probe.status !== undefined ? { status: probe.status } : {}),
        ...(detail ? { detail } : {}),
      },
      `Foreman cannot be used (GET /api/ping): ${explainCause(cause)}`,
    );
  }

  async #ping(): Promise<{ probe: ForemanProbe; detail?: string }> {
    const { timeoutMs, scheduler, dispatcher } = this.#options;
    const url = this.#url;
    const signal = AbortSignal.timeout(timeoutMs);
    let slot: { release(): void } | undefined;
    try {
      slot = await scheduler.acquire({
        share: BACKGROUND,
        route: '/api/ping',
        deadline: Date.now() + timeoutMs,
        signal,
      });
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname,
        method: 'GET',
        headers: { accept: 'application/json' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal,
      });
      const text = await response.body.text();
      return { probe: judgeAnswer(response.statusCode, text) };
    } catch (error) {
      // The gateway's own queue for Foreman is too long for an answer in time.
      const cause =
        error instanceof UpstreamError && error.kind === 'overloaded'
          ? 'timeout'
          : connectionFailureCause(error);
      return {
        probe: { ready: false, cause, reason: explainCause(cause) },
        detail: error instanceof Error ? error.message : String(error),
      };
    } finally {
      slot?.release();
    }
  }
}

/**
 * Foreman answers everyone 200 with `{"results":{"foreman":{"database":{…}}}}`: any other
 * answer, a 4xx above all (a path that is not Foreman's, a proxy that wants a login), is not
 * Foreman's API; a 5xx is Foreman (or its proxy) failing.
 */
function judgeAnswer(status: number, text: string): ForemanProbe {
  const not = (cause: UpstreamCause): ForemanProbe => ({
    ready: false,
    status,
    cause,
    reason: explainCause(cause),
  });
  if (status >= 500) return not('foreman_error');
  if (status !== 200) return not('not_foreman');
  let foreman: { database?: { active?: unknown } } | undefined;
  try {
    foreman = (JSON.parse(text) as { results?: { foreman?: typeof foreman } } | null)?.results
      ?.foreman;
  } catch {
    // An HTML page with 200: a web server, or a sign-in page, where Foreman should be.
  }
  if (typeof foreman !== 'object' || foreman === null) return not('not_foreman');
  // Foreman reports its database's state in the ping.
  if (foreman.database?.active === false) return not('database_inactive');
  return { ready: true, status };
}

export interface ReadinessOptions {
  ping: ForemanPing;
  /** True while the gateway drains before it stops: not ready, though requests are served. */
  draining?: () => boolean;
  /** What the gateway has learnt of its service account (none configured: undefined). */
  serviceAccount?: () => Promise<'accepted' | 'refused' | 'unknown'>;
}

/**
 * `/readyz`: Foreman answers its ping (see ForemanPing), with the cause in a word when it does
 * not. With a service account, whether Foreman accepted it is what the gateway's own requests
 * learnt; a refused one makes the gateway not ready.
 */
export function useForemanReadiness(options: ReadinessOptions): Plugin {
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
    const [foreman, serviceAccount] = await Promise.all([
      options.ping.check(),
      options.serviceAccount?.(),
    ]);
    // Why not, in one word: Foreman's state first, then the account's.
    const cause = !foreman.ready
      ? (foreman.cause ?? 'network')
      : serviceAccount === 'refused'
        ? 'service_account_refused'
        : undefined;
    endResponse(
      new fetchAPI.Response(
        JSON.stringify({
          status: cause ? 'not ready' : 'ready',
          ...(cause ? { cause } : {}),
          foreman,
          ...(serviceAccount ? { serviceAccount } : {}),
        }),
        {
          status: cause ? 503 : 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        },
      ),
    );
  }
}
