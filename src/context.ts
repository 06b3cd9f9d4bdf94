import type { Dispatcher } from 'undici';
import type { Config } from './config.js';
import { ForemanClient, type UpstreamCallEvent } from './foreman/client.js';
import { ConcurrencyLimiter } from './foreman/limiter.js';
import { ForemanLoaders } from './foreman/loaders.js';

/** What every resolver of one GraphQL request sees. Built fresh per request, never shared. */
export interface GatewayContext {
  loaders: ForemanLoaders;
  foreman: ForemanClient;
  limits: Config['limits'];
}

export interface ContextDependencies {
  config: Config;
  /** Foreman's base URL (the configured one, or the demo upstream's). */
  foremanUrl: string;
  dispatcher: Dispatcher;
  onUpstreamCall?: ((event: UpstreamCallEvent) => void) | undefined;
}

export function createContext(
  deps: ContextDependencies,
  request: { authorization: string | undefined; requestId: string | undefined },
): GatewayContext {
  const foreman = new ForemanClient({
    baseUrl: deps.foremanUrl,
    dispatcher: deps.dispatcher,
    authorization: upstreamAuthorization(deps.config, request.authorization),
    timeoutMs: deps.config.foremanTimeoutMs,
    limiter: new ConcurrencyLimiter(deps.config.limits.upstreamConcurrencyPerRequest),
    requestId: request.requestId,
    onCall: deps.onUpstreamCall,
  });
  return { foreman, loaders: new ForemanLoaders(foreman), limits: deps.config.limits };
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
