import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { ForemanApi } from './foreman/api.js';
import { type Caller, ForemanClient, type UpstreamCallEvent } from './foreman/http/client.js';
import { ConcurrencyLimiter } from './foreman/http/limiter.js';
import type { LoginGuard } from './foreman/http/login-guard.js';
import type { ImageLocations } from './foreman/image-locations.js';
import { type CostMeter, createCostMeter } from './limits/cost-meter.js';
import type { LiveChanges } from './live/live-changes.js';

/** What every resolver of one GraphQL request sees. Built fresh per request, never shared. */
export interface GatewayContext {
  /** Foreman, as this caller sees it: batched, deduplicated reads and the image writes. */
  foreman: ForemanApi;
  /** Who is asking: the credentials sent to Foreman, and the caller's address. */
  caller: Caller;
  /** Live image changes: subscriptions, and announcing this request's writes. */
  live: LiveChanges;
  limits: Config['limits'];
  /** Counts the objects this request's lists return, against MAX_COST. */
  cost: CostMeter;
  /** Correlates this request's log lines with Foreman's (sent as `x-request-id`). */
  requestId: string;
  /** Fires when the request ends (a subscription: when its client leaves). */
  signal: AbortSignal;
}

export interface ContextDependencies {
  config: Config;
  /** Foreman's base URL (the configured one, or the demo upstream's). */
  foremanUrl: string;
  dispatcher: Dispatcher;
  loginGuard: LoginGuard;
  imageLocations: ImageLocations;
  live: LiveChanges;
  onUpstreamCall?: ((event: UpstreamCallEvent) => void) | undefined;
  onBatch?: ((loader: string, size: number) => void) | undefined;
}

/** A Retry-After longer than this fails the request rather than holding it open. */
const MAX_RETRY_DELAY_MS = 5_000;

export interface RequestFacts {
  /** The caller's own Authorization header, if any. */
  authorization: string | undefined;
  /** The caller's address, after the gateway's trusted proxies. */
  clientAddress: string;
  requestId: string;
  /** Fires when the GraphQL request ends: its upstream calls are cancelled. */
  signal: AbortSignal;
}

export function createContext(deps: ContextDependencies, request: RequestFacts): GatewayContext {
  const caller = callerOf(deps.config, request);
  return {
    foreman: createForemanApi(deps, caller, request),
    caller,
    live: deps.live,
    limits: deps.config.limits,
    cost: createCostMeter(deps.config.limits.maxCost),
    requestId: request.requestId,
    signal: request.signal,
  };
}

/** The credentials to send for a request, and where it comes from. */
export function callerOf(
  config: Config,
  request: Pick<RequestFacts, 'authorization' | 'clientAddress'>,
): Caller {
  return {
    authorization: upstreamAuthorization(config, request.authorization),
    address: request.clientAddress,
    forwardedFor: config.logins.forwardClientAddress ? request.clientAddress : undefined,
  };
}

/** Foreman as `caller` sees it, for one request (or one poll on subscribers' behalf). */
export function createForemanApi(
  deps: Omit<ContextDependencies, 'live'>,
  caller: Caller,
  request: Pick<RequestFacts, 'requestId' | 'signal'>,
): ForemanApi {
  return new ForemanApi(createForemanClient(deps, caller, request), {
    imageLocations: deps.imageLocations,
    onBatch: deps.onBatch,
  });
}

/** The transport for one request: this caller's credentials, budgets and abort signal. */
export function createForemanClient(
  deps: Omit<ContextDependencies, 'imageLocations' | 'onBatch' | 'live'>,
  caller: Caller,
  request: Pick<RequestFacts, 'requestId' | 'signal'>,
): ForemanClient {
  const { config } = deps;
  return new ForemanClient({
    baseUrl: deps.foremanUrl,
    dispatcher: deps.dispatcher,
    caller,
    loginGuard: deps.loginGuard,
    signal: request.signal,
    timeoutMs: config.foremanTimeoutMs,
    maxResponseBytes: config.limits.maxUpstreamResponseBytes,
    limiter: new ConcurrencyLimiter(config.limits.upstreamConcurrencyPerRequest),
    retry: {
      retries: config.upstreamRetries,
      baseDelayMs: config.upstreamRetryBaseMs,
      maxDelayMs: MAX_RETRY_DELAY_MS,
    },
    maxRequests: config.limits.maxUpstreamRequests,
    requestId: request.requestId,
    onCall: deps.onUpstreamCall,
  });
}

/**
 * A configured service account (explicit opt-in) is used for everyone; otherwise the caller's
 * own header goes to Foreman unchanged (Basic, or a personal access token as the Basic password),
 * or, for a caller who sent none, the fallback account when there is one (the demo's admin).
 */
export function upstreamAuthorization(
  config: Config,
  callerAuthorization: string | undefined,
): string | undefined {
  if (config.serviceAccount) return basic(config.serviceAccount);
  if (callerAuthorization) return callerAuthorization;
  return config.fallbackAccount ? basic(config.fallbackAccount) : undefined;
}

function basic({ username, password }: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
