import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { ForemanApi } from './foreman/api.js';
import { ForemanClient, type UpstreamCallEvent } from './foreman/http/client.js';
import { ConcurrencyLimiter } from './foreman/http/limiter.js';

/** What every resolver of one GraphQL request sees. Built fresh per request, never shared. */
export interface GatewayContext {
  /** Foreman, as this caller sees it: batched, deduplicated reads and the image writes. */
  foreman: ForemanApi;
  limits: Config['limits'];
  /** Correlates this request's log lines with Foreman's (sent as `x-request-id`). */
  requestId: string;
}

export interface ContextDependencies {
  config: Config;
  /** Foreman's base URL (the configured one, or the demo upstream's). */
  foremanUrl: string;
  dispatcher: Dispatcher;
  onUpstreamCall?: ((event: UpstreamCallEvent) => void) | undefined;
  onBatch?: ((loader: string, size: number) => void) | undefined;
}

/** A Retry-After longer than this fails the request rather than holding it open. */
const MAX_RETRY_DELAY_MS = 5_000;

export function createContext(
  deps: ContextDependencies,
  request: { authorization: string | undefined; requestId: string },
): GatewayContext {
  const { config } = deps;
  const client = new ForemanClient({
    baseUrl: deps.foremanUrl,
    dispatcher: deps.dispatcher,
    authorization: upstreamAuthorization(config, request.authorization),
    timeoutMs: config.foremanTimeoutMs,
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
  return {
    foreman: new ForemanApi(client, deps.onBatch),
    limits: config.limits,
    requestId: request.requestId,
  };
}

/**
 * A configured service account (explicit opt-in) is used for everyone; otherwise the caller's
 * own header goes to Foreman unchanged (Basic, or a personal access token as the Basic password).
 */
export function upstreamAuthorization(
  config: Config,
  callerAuthorization: string | undefined,
): string | undefined {
  if (config.serviceAccount) {
    const { username, password } = config.serviceAccount;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return callerAuthorization;
}
