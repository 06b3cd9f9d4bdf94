import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { ForemanApi } from './foreman/api.js';
import type { Caller, CallerFacts, Callers } from './foreman/caller.js';
import type { ImageChangeEvent, ImagePlace, ImageWrite } from './foreman/changes.js';
import { ForemanClient, type UpstreamCallEvent } from './foreman/http/client.js';
import { ConcurrencyLimiter } from './foreman/http/limiter.js';
import type { LoginGuard } from './foreman/http/login-guard.js';
import type { ImageLocations } from './foreman/image-locations.js';
import type { CallTracing } from './tracing/call-span.js';

/** What every resolver of one GraphQL request sees. Built fresh per request, never shared. */
export interface GatewayContext {
  /**
   * Foreman, as this caller sees it: who the caller is, batched and deduplicated reads, and the
   * image writes (which it announces).
   */
  foreman: ForemanApi;
  /** Live image changes (the subscription). */
  live: ImageChangeFeed;
  limits: Config['limits'];
  /** Correlates this request's log lines with Foreman's (sent as `x-request-id`). */
  requestId: string;
  /** Fires when the request ends (a subscription: when its client leaves). */
  signal: AbortSignal;
  /**
   * A context for one event of this subscription: the same caller, with fresh loaders (the
   * event's data is read as it is now), a call cap of its own, and a signal that ends with the
   * event's execution or with the subscription, whichever comes first.
   */
  forEvent(signal: AbortSignal): GatewayContext;
}

/** Where subscriptions get their stream of changes. */
export interface ImageChangeFeed {
  subscribe(
    api: ForemanApi,
    filter: ImagePlace,
    signal: AbortSignal,
  ): Promise<AsyncIterableIterator<ImageChangeEvent>>;
}

/** What a request brings: who calls (headers, socket), its id, and its abort signal. */
export interface RequestFacts extends CallerFacts {
  requestId: string;
  /** Fires when the GraphQL request ends: its upstream calls are cancelled. */
  signal: AbortSignal;
  /** Its trace, when tracing is on: its Foreman calls are spans in it. */
  trace?: CallTracing | undefined;
}

export interface ForemanAccessOptions {
  config: Config;
  /** Foreman's base URL (the configured one, or the demo upstream's). */
  foremanUrl: string;
  dispatcher: Dispatcher;
  loginGuard: LoginGuard;
  callers: Callers;
  imageLocations: ImageLocations;
  /** Logs and metrics of each upstream call, by the request id it was made for. */
  reportCalls?: ((requestId: string) => (event: UpstreamCallEvent) => void) | undefined;
  onBatch?: ((loader: string, size: number) => void) | undefined;
  /** Told of every image write (live changes announce them). */
  onWrite?: ((write: ImageWrite) => void) | undefined;
}

/** A Retry-After longer than this fails the request rather than holding it open. */
const MAX_RETRY_DELAY_MS = 5_000;

/**
 * The one place a ForemanApi is made: for a request (its caller worked out from the request), or
 * for a caller already known (a subscription's event, a poll of the audit log on subscribers'
 * behalf). Each API has its own client, loaders, call cap and abort signal.
 */
export class ForemanAccess {
  readonly #options: ForemanAccessOptions;

  constructor(options: ForemanAccessOptions) {
    this.#options = options;
  }

  get callers(): Callers {
    return this.#options.callers;
  }

  forRequest(facts: RequestFacts): ForemanApi {
    return this.forCaller(this.#options.callers.of(facts), facts);
  }

  forCaller(
    caller: Caller,
    request: {
      requestId: string;
      signal: AbortSignal;
      maxRequests?: number | undefined;
      trace?: CallTracing | undefined;
    },
  ): ForemanApi {
    const { config } = this.#options;
    const client = new ForemanClient({
      baseUrl: this.#options.foremanUrl,
      dispatcher: this.#options.dispatcher,
      caller,
      loginGuard: this.#options.loginGuard,
      signal: request.signal,
      timeoutMs: config.foremanTimeoutMs,
      maxResponseBytes: config.limits.maxUpstreamResponseBytes,
      limiter: new ConcurrencyLimiter(config.limits.upstreamConcurrencyPerRequest),
      retry: {
        retries: config.upstreamRetries,
        baseDelayMs: config.upstreamRetryBaseMs,
        maxDelayMs: MAX_RETRY_DELAY_MS,
      },
      maxRequests: request.maxRequests ?? config.limits.maxUpstreamRequests,
      requestId: request.requestId,
      onCall: this.#options.reportCalls?.(request.requestId),
      trace: request.trace,
    });
    return new ForemanApi(client, {
      imageLocations: this.#options.imageLocations,
      onBatch: this.#options.onBatch,
      onWrite: this.#options.onWrite,
    });
  }
}

export function createContext(
  access: ForemanAccess,
  live: ImageChangeFeed,
  config: Config,
  facts: RequestFacts,
): GatewayContext {
  return contextFor(access, live, config, access.forRequest(facts), facts);
}

function contextFor(
  access: ForemanAccess,
  live: ImageChangeFeed,
  config: Config,
  foreman: ForemanApi,
  request: { requestId: string; signal: AbortSignal; trace?: CallTracing | undefined },
): GatewayContext {
  return {
    foreman,
    live,
    limits: config.limits,
    requestId: request.requestId,
    signal: request.signal,
    forEvent: (signal) => {
      const event = { requestId: request.requestId, signal, trace: request.trace };
      const api = access.forCaller(foreman.caller, {
        ...event,
        maxRequests: config.live.maxUpstreamRequestsPerEvent,
      });
      return contextFor(access, live, config, api, event);
    },
  };
}
