import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { ForemanApi } from './foreman/api.js';
import type { Caller, CallerFacts, Callers } from './foreman/caller.js';
import type { ImageChangeEvent, ImagePlace, ImageWrite } from './foreman/changes.js';
import { ForemanClient, type UpstreamCallEvent } from './foreman/http/client.js';
import type { Flights } from './foreman/http/flights.js';
import { ConcurrencyLimiter } from './foreman/http/limiter.js';
import type { LoginGuard } from './foreman/http/login-guard.js';
import type { UpstreamScheduler } from './foreman/http/scheduler.js';
import type { UpstreamCache } from './foreman/http/upstream-cache.js';
import type { ImageLocations } from './foreman/image-locations.js';
import { type CostMeter, createCostMeter } from './limits/cost-meter.js';

/** What node:http gives each request, as yoga's server context. */
export interface NodeServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

/** The app: graphql-yoga over these contexts (made in app.ts, served by http-server.ts). */
export type GatewayApp = YogaServerInstance<NodeServerContext, GatewayContext>;

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
  /** Counts the objects this request's lists return, against MAX_COST (one per event too). */
  cost: CostMeter;
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
  /** Foreman's slots, shared between callers. */
  scheduler: UpstreamScheduler;
  /** Identical reads in flight at once share one call. */
  flights: Flights;
  /** Answers kept for a while, when UPSTREAM_CACHE_TTL_MS is set. */
  cache?: UpstreamCache | undefined;
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
      /** The gateway's own work (audit polls, readiness): a small share of its own. */
      background?: boolean;
      /** Reads that must come from Foreman, never the cache (what subscribers are told). */
      fresh?: boolean;
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
      scheduler: this.#options.scheduler,
      flights: this.#options.flights,
      // The gateway's own reads (audit polls, what subscribers are told) must be fresh.
      cache: request.background || request.fresh ? undefined : this.#options.cache,
      background: request.background,
      credentialConcurrency: config.logins.credentialConcurrency,
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

/** What a request's context is made from: the gateway's dependencies (see app.ts). */
export interface ContextDependencies {
  config: Config;
  access: ForemanAccess;
  live: ImageChangeFeed;
}

export function createContext(deps: ContextDependencies, facts: RequestFacts): GatewayContext {
  return contextFor(deps.access, deps.live, deps.config, deps.access.forRequest(facts), facts);
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
    cost: createCostMeter(config.limits.maxCost),
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
