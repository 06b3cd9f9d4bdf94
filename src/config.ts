import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';

/** Everything the gateway reads from its environment, validated once at start-up. */
export interface Config {
  /** Foreman's base URL; undefined means "start the built-in demo upstream". */
  foremanUrl: string | undefined;
  /** A configured service account replaces callers' credentials (explicit opt-in). */
  serviceAccount: { username: string; password: string } | undefined;
  /**
   * Used for callers who send no credentials, while those who do use their own: the built-in
   * demo's admin under `npm start` (not configurable: a production gateway never guesses).
   */
  fallbackAccount?: { username: string; password: string } | undefined;
  foremanCaFile: string | undefined;
  /** Time to wait for response headers, and between body chunks. */
  foremanTimeoutMs: number;
  foremanConnectTimeoutMs: number;
  /** Retries of a failed GET (connection error, 502, 503, 504); writes are never retried. */
  upstreamRetries: number;
  /** First retry delay; doubled each time, with full jitter, capped by Retry-After when sent. */
  upstreamRetryBaseMs: number;
  port: number;
  host: string;
  logLevel: LogLevel;
  limits: {
    /** Largest `first` / `last` a connection accepts. */
    maxPageSize: number;
    /** Rows a connection returns when neither `first` nor `last` is given. */
    defaultPageSize: number;
    /** Upstream calls one GraphQL request may have in flight at once. */
    upstreamConcurrencyPerRequest: number;
    /** Sockets to Foreman across all requests. */
    upstreamConnections: number;
    /** Deepest selection nesting a query may have. */
    maxDepth: number;
    /** Aliased fields a query may use (a cheap way to multiply work). */
    maxAliases: number;
    /** Fields at the root of one operation. */
    maxRootFields: number;
    /** Estimated objects a query may return (connection sizes multiply), and then the objects its lists return. */
    maxCost: number;
    /** What a list without paging counts as in the estimate, before its length is known. */
    listCostEstimate: number;
    /** Longest `search` string passed to Foreman. */
    maxSearchLength: number;
    /** Largest request body accepted, in bytes. */
    maxBodyBytes: number;
    /** Upstream requests one GraphQL request may make in all. */
    maxUpstreamRequests: number;
    /** Largest GraphQL document (query text) accepted, in bytes; checked before parsing. */
    maxDocumentBytes: number;
    /** Most lexical tokens a document may have; the parser stops there. */
    maxDocumentTokens: number;
    /** Longest `search` (plus `order`) once URL-encoded: Foreman's proxy limits the request line. */
    maxEncodedSearchBytes: number;
    /** Largest Foreman response body read, in bytes. */
    maxUpstreamResponseBytes: number;
  };
  /** Answers of Foreman kept for a while (opt-in). */
  cache: {
    /** How long an answer is kept; 0: no cache. */
    ttlMs: number;
    /** What all answers kept may weigh, counted on their bodies. */
    maxBytes: number;
  };
  /** Protection against Foreman's failed-login lockout, which all callers behind the gateway share. */
  logins: {
    /** How long a credential Foreman refused is answered locally, without asking Foreman again. */
    refusedCredentialTtlMs: number;
    /** Failed logins one client may cause within the window before it is refused locally. */
    clientFailureLimit: number;
    /** Failed logins the gateway lets reach Foreman within the window, from all clients together. */
    foremanFailureBudget: number;
    /** Foreman's window: failures expire this long after the last one (5 minutes in Foreman). */
    windowMs: number;
    /**
     * Calls one credential may have in flight at once, across all requests: a credential that
     * stops working (a revoked token) costs at most this many failed logins.
     */
    credentialConcurrency: number;
    /** A credential unused this long is tried with one call before others follow. */
    credentialIdleMs: number;
    /** Proxies in front of the gateway whose X-Forwarded-For is believed (addresses or CIDRs). */
    trustedProxies: string[];
    /** Send the caller's address to Foreman in X-Forwarded-For (for a Foreman that trusts us). */
    forwardClientAddress: boolean;
  };
  /** Live image changes (the imageChanged subscription). */
  live: {
    /** How often Foreman's audit log is read, per credential with subscribers. */
    pollIntervalMs: number;
    /** How long audit rows stay open to late-committed ones with lower ids. */
    graceMs: number;
    maxSubscriptions: number;
    maxSubscriptionsPerCaller: number;
    /** Audit polls in flight at once, for all credentials together. */
    pollConcurrency: number;
    /** Upstream requests one subscription event may make (its fields, read as they are now). */
    maxUpstreamRequestsPerEvent: number;
    /** Redis shared by replicas (announcements and failed-login counts); unset: in process. */
    redisUrl: string | undefined;
  };
  /** Replicas sharing a Redis (REDIS_URL): how they trust each other's messages, how many run. */
  replicas: {
    /**
     * Authenticates what replicas send each other over Redis and keys the credential hashes kept
     * there; never stored in Redis. Unset: nothing but the failed-login budgets is shared.
     */
    sharedSecret: string | undefined;
    /** Still accepted from other replicas (never used to sign) while they move to a new secret. */
    previousSharedSecret: string | undefined;
    /** How many replicas run: while Redis is away, each spends only its share of each budget. */
    count: number;
    /** Announcements from the replicas passed on per second; the rest come from the audit log. */
    noticesPerSecond: number;
  };
  http: {
    /** Origins allowed to call from a browser; empty means no cross-origin access. */
    corsOrigins: string[];
    graphiql: boolean;
    introspection: boolean;
    /** Serve federation's `_service { sdl }` (by default: when introspection is on). */
    subgraphSdl: boolean;
    /** A JSON manifest `{ "<hash>": "<document>" }`: when set, only these operations run. */
    persistedOperationsFile: string | undefined;
    /** How long SIGTERM keeps serving while readiness answers 503, before closing the listener. */
    shutdownDrainMs: number;
    /** How long in-flight requests may then finish before their upstream calls are cancelled. */
    shutdownGraceMs: number;
    /** Time a client has to send its request headers. */
    headersTimeoutMs: number;
    /** Time a client has to send its whole request (headers and body). */
    requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open. */
    keepAliveTimeoutMs: number;
    /** Connections open at once (WebSocket ones included); more are refused. */
    maxConnections: number;
    /** Time a WebSocket client has, once connected, to send graphql-ws's `connection_init`. */
    webSocketInitTimeoutMs: number;
    /** Operations one WebSocket connection may have running at once. */
    webSocketMaxOperations: number;
  };
  /** Traces over OTLP/HTTP (the standard OTEL_* variables); undefined: off, nothing loaded. */
  tracing: TracingConfig | undefined;
}

export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

/** Where and how spans are exported, and which requests are traced. */
export interface TracingConfig {
  /** The full OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`. */
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  /** Sent with every export (a backend's API key, say): never logged. */
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  /** Deadline of one export request. */
  timeoutMs: number;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, service.name aside (OTEL_SERVICE_NAME gives that). */
  resourceAttributes: Record<string, string>;
  /** Which traces are recorded (a caller's own decision counts only from a trusted proxy). */
  sampler: TraceSampler;
  /** The ratio of the `traceidratio` samplers, from 0 to 1. */
  samplerRatio: number;
  /** Spans wait in a bounded queue and leave in batches (the OTEL_BSP_* variables). */
  batch: {
    scheduledDelayMs: number;
    exportTimeoutMs: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration problem, worded as the one line an operator needs to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const host = optional(env, 'HOST') ?? '127.0.0.1';
  const upstream = foremanUrl(env);
  demoAllowed(env, upstream, host);
  const username = optional(env, 'FOREMAN_USERNAME');
  const password = optional(env, 'FOREMAN_PASSWORD');
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(
      'FOREMAN_USERNAME and FOREMAN_PASSWORD must be set together (a service account) or not at all',
    );
  }
  const defaultPageSize = integer(env, 'DEFAULT_PAGE_SIZE', 20, 1, 10_000);
  const maxPageSize = integer(env, 'MAX_PAGE_SIZE', 1000, 1, 10_000);
  if (defaultPageSize > maxPageSize) {
    throw new ConfigError(
      `DEFAULT_PAGE_SIZE (${defaultPageSize}) must not exceed MAX_PAGE_SIZE (${maxPageSize})`,
    );
  }
  return {
    foremanUrl: upstream,
    serviceAccount:
      username !== undefined && password !== undefined ? { username, password } : undefined,
    foremanCaFile: readableFile(env, 'FOREMAN_CA_FILE'),
    foremanTimeoutMs: integer(env, 'FOREMAN_TIMEOUT_MS', 30_000, 1, 600_000),
    foremanConnectTimeoutMs: integer(env, 'FOREMAN_CONNECT_TIMEOUT_MS', 5_000, 1, 600_000),
    upstreamRetries: integer(env, 'UPSTREAM_RETRIES', 2, 0, 10),
    upstreamRetryBaseMs: integer(env, 'UPSTREAM_RETRY_BASE_MS', 100, 1, 60_000),
    port: integer(env, 'PORT', 4000, 0, 65_535),
    host,
    logLevel: logLevel(env),
    limits: {
      maxPageSize,
      defaultPageSize,
      upstreamConcurrencyPerRequest: integer(env, 'UPSTREAM_CONCURRENCY', 8, 1, 256),
      upstreamConnections: integer(env, 'UPSTREAM_CONNECTIONS', 32, 1, 1024),
      maxDepth: integer(env, 'MAX_DEPTH', 12, 2, 100),
      maxAliases: integer(env, 'MAX_ALIASES', 30, 0, 10_000),
      maxRootFields: integer(env, 'MAX_ROOT_FIELDS', 20, 1, 10_000),
      maxCost: integer(env, 'MAX_COST', 50_000, 1, 100_000_000),
      listCostEstimate: integer(env, 'LIST_COST_ESTIMATE', 100, 1, 100_000),
      maxSearchLength: integer(env, 'MAX_SEARCH_LENGTH', 1_000, 1, 100_000),
      maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 100_000, 1_000, 100_000_000),
      maxUpstreamRequests: integer(env, 'MAX_UPSTREAM_REQUESTS', 100, 1, 100_000),
      maxDocumentBytes: integer(env, 'MAX_DOCUMENT_BYTES', 32_768, 100, 10_000_000),
      maxDocumentTokens: integer(env, 'MAX_DOCUMENT_TOKENS', 5_000, 100, 1_000_000),
      maxEncodedSearchBytes: integer(env, 'MAX_ENCODED_SEARCH_BYTES', 6_000, 100, 100_000),
      maxUpstreamResponseBytes: integer(
        env,
        'MAX_UPSTREAM_RESPONSE_BYTES',
        64 * 1024 * 1024,
        1_000,
        2 ** 31,
      ),
    },
    cache: {
      ttlMs: integer(env, 'UPSTREAM_CACHE_TTL_MS', 0, 0, 3_600_000),
      maxBytes: integer(env, 'UPSTREAM_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1_024, 2 ** 33),
    },
    logins: {
      refusedCredentialTtlMs: integer(env, 'REFUSED_CREDENTIAL_TTL_MS', 60_000, 0, 86_400_000),
      clientFailureLimit: integer(env, 'CLIENT_FAILED_LOGIN_LIMIT', 5, 1, 1_000),
      foremanFailureBudget: integer(env, 'FOREMAN_FAILED_LOGIN_BUDGET', 20, 1, 1_000),
      windowMs: integer(env, 'FOREMAN_FAILED_LOGIN_WINDOW_MS', 300_000, 1_000, 86_400_000),
      credentialConcurrency: integer(env, 'CREDENTIAL_CONCURRENCY', 8, 1, 1_024),
      credentialIdleMs: integer(env, 'CREDENTIAL_IDLE_MS', 30_000, 0, 600_000),
      trustedProxies: addressList(env, 'TRUSTED_PROXIES'),
      forwardClientAddress: boolean(env, 'FOREMAN_FORWARD_CLIENT_ADDRESS', false),
    },
    live: {
      pollIntervalMs: integer(env, 'AUDIT_POLL_INTERVAL_MS', 5_000, 100, 3_600_000),
      graceMs: integer(env, 'AUDIT_GRACE_MS', 60_000, 0, 3_600_000),
      maxSubscriptions: integer(env, 'MAX_SUBSCRIPTIONS', 1_000, 0, 1_000_000),
      maxSubscriptionsPerCaller: integer(env, 'MAX_SUBSCRIPTIONS_PER_CALLER', 10, 1, 100_000),
      pollConcurrency: integer(env, 'AUDIT_POLL_CONCURRENCY', 4, 1, 256),
      maxUpstreamRequestsPerEvent: integer(
        env,
        'SUBSCRIPTION_EVENT_MAX_UPSTREAM_REQUESTS',
        20,
        1,
        10_000,
      ),
      redisUrl: redisUrl(env),
    },
    replicas: {
      ...sharedSecrets(env),
      count: integer(env, 'GATEWAY_REPLICAS', 1, 1, 1_000),
      noticesPerSecond: integer(env, 'SHARED_NOTICES_PER_SECOND', 20, 1, 10_000),
    },
    http: {
      corsOrigins: list(env, 'CORS_ORIGINS'),
      graphiql: boolean(env, 'GRAPHIQL', true),
      introspection: boolean(env, 'INTROSPECTION', true),
      subgraphSdl: boolean(env, 'SUBGRAPH_SDL', boolean(env, 'INTROSPECTION', true)),
      persistedOperationsFile: readableFile(env, 'PERSISTED_OPERATIONS_FILE'),
      // Drain, grace and the hard exit together fit Docker's default stop timeout of 10 s.
      shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_MS', 5_000, 0, 600_000),
      shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 4_000, 0, 600_000),
      headersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
      requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
      keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
      maxConnections: integer(env, 'MAX_CONNECTIONS', 1_024, 1, 1_000_000),
      webSocketInitTimeoutMs: integer(env, 'WS_CONNECTION_INIT_TIMEOUT_MS', 3_000, 100, 600_000),
      webSocketMaxOperations: integer(env, 'WS_MAX_OPERATIONS_PER_CONNECTION', 32, 1, 10_000),
    },
    tracing: tracingConfig(env),
  };
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * An absolute URL in one of `schemes` (`http`, `https`…), or undefined when unset; `kind` says
 * which in the error (`http(s)`).
 */
function absoluteUrl(env: Env, name: string, schemes: string[], kind: string): URL | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute ${kind} URL, got "${value}"`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) {
    throw new ConfigError(`${name} must use ${schemes.join(' or ')}, got "${url.protocol}"`);
  }
  return url;
}

function foremanUrl(env: Env): string | undefined {
  if (env.FOREMAN_URL !== undefined && env.FOREMAN_URL.trim() === '') {
    throw new ConfigError(
      "FOREMAN_URL is empty: set it to Foreman's URL (https://foreman.example.com), or unset it to run the built-in demo Foreman",
    );
  }
  const url = absoluteUrl(env, 'FOREMAN_URL', ['http', 'https'], 'http(s)');
  if (url === undefined) return undefined;
  if (url.username || url.password) {
    throw new ConfigError(
      'FOREMAN_URL must not contain credentials; use FOREMAN_USERNAME and FOREMAN_PASSWORD',
    );
  }
  if (url.search || url.hash) {
    throw new ConfigError('FOREMAN_URL must not contain a query string or fragment');
  }
  // A trailing `/api` is a common slip: the gateway adds the API paths itself.
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api(\/v2)?$/, '');
  return `${url.origin}${path}`;
}

/**
 * The demo Foreman serves callers without credentials as its admin, with writes: it runs only on
 * a loopback address unless asked for explicitly (a container listening on 0.0.0.0 without
 * FOREMAN_URL would otherwise hand an admin to the network, and collect the real Foreman
 * credentials users send it).
 */
function demoAllowed(env: Env, foreman: string | undefined, host: string): void {
  const demo = boolean(env, 'DEMO', false);
  if (foreman !== undefined) {
    if (demo) throw new ConfigError('DEMO=true and FOREMAN_URL are both set: choose one');
    return;
  }
  if (!demo && !isLoopback(host)) {
    throw new ConfigError(
      `FOREMAN_URL is not set, and the built-in demo Foreman (whose admin serves callers without credentials) runs only on a loopback HOST, not ${host}: set FOREMAN_URL, or DEMO=true to serve the demo there anyway`,
    );
  }
}

/** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

function redisUrl(env: Env): string | undefined {
  // Credentials may be in it (redis://:password@host): Redis has no other place for them.
  return absoluteUrl(env, 'REDIS_URL', ['redis', 'rediss'], 'redis(s)')?.href;
}

/** Shorter secrets can be guessed offline from one message on the change channel. */
const MIN_SECRET_LENGTH = 32;

/** SHARED_SECRET and, during a rotation, SHARED_SECRET_PREVIOUS; their values are never echoed. */
function sharedSecrets(env: Env): {
  sharedSecret: string | undefined;
  previousSharedSecret: string | undefined;
} {
  const secret = (name: string) => {
    const value = optional(env, name);
    if (value !== undefined && value.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `${name} must be at least ${MIN_SECRET_LENGTH} characters long (e.g. from \`openssl rand -base64 32\`), not ${value.length}`,
      );
    }
    return value;
  };
  const sharedSecret = secret('SHARED_SECRET');
  const previousSharedSecret = secret('SHARED_SECRET_PREVIOUS');
  if (previousSharedSecret !== undefined && sharedSecret === undefined) {
    throw new ConfigError(
      'SHARED_SECRET_PREVIOUS is the secret being replaced: set the new one in SHARED_SECRET too',
    );
  }
  return { sharedSecret, previousSharedSecret };
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = optional(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1' || value === 'on') return true;
  if (value === 'false' || value === '0' || value === 'off') return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

/** A comma-separated list of origins (`*` for any). */
function list(env: Env, name: string): string[] {
  const items = (optional(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items) {
    if (item !== '*' && !/^https?:\/\/[^/\s]+$/.test(item)) {
      throw new ConfigError(
        `${name} must list origins such as https://app.example.com (or *), got "${item}"`,
      );
    }
  }
  return items;
}

/** Comma-separated IP addresses or CIDR ranges (`10.0.0.0/8`, `::1`). */
function addressList(env: Env, name: string): string[] {
  const items = (optional(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items) {
    const [address = '', prefix] = item.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk) {
      throw new ConfigError(
        `${name} must list IP addresses or CIDR ranges such as 10.0.0.0/8, got "${item}"`,
      );
    }
  }
  return items;
}

function readableFile(env: Env, name: string): string | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  try {
    accessSync(value, constants.R_OK);
  } catch {
    throw new ConfigError(`${name} must name a readable file, got "${value}"`);
  }
  return value;
}

function logLevel(env: Env): LogLevel {
  const value = optional(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

/** What the gateway calls itself in traces unless OTEL_SERVICE_NAME says otherwise. */
const SERVICE_NAME = 'foreman-images-graphql';

/**
 * The standard OpenTelemetry variables, for traces over OTLP/HTTP. Tracing is on when an endpoint
 * is set (or OTEL_TRACES_EXPORTER=otlp asks for the standard local one); OTEL_SDK_DISABLED=true
 * or OTEL_TRACES_EXPORTER=none turn it off. A signal-specific variable (`…_TRACES_…`) wins over
 * the general one.
 */
function tracingConfig(env: Env): TracingConfig | undefined {
  if (boolean(env, 'OTEL_SDK_DISABLED', false)) return undefined;
  const exporter = optional(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') {
    throw new ConfigError(
      `OTEL_TRACES_EXPORTER must be otlp or none (traces go out over OTLP/HTTP), got "${exporter}"`,
    );
  }
  if (exporter === 'none') return undefined;
  const endpoint = otlpEndpoint(env, exporter === 'otlp');
  if (endpoint === undefined) return undefined;
  /** The variable to read: the traces' own when set, else the general one. */
  const tracesOrGeneral = (name: string) =>
    optional(env, `OTEL_EXPORTER_OTLP_TRACES_${name}`) === undefined
      ? `OTEL_EXPORTER_OTLP_${name}`
      : `OTEL_EXPORTER_OTLP_TRACES_${name}`;
  const protocol = optional(env, tracesOrGeneral('PROTOCOL')) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(
      `${tracesOrGeneral('PROTOCOL')} must be http/protobuf or http/json (gRPC is not supported: use the collector's OTLP/HTTP port, 4318), got "${protocol}"`,
    );
  }
  const compression = optional(env, tracesOrGeneral('COMPRESSION'))?.toLowerCase() ?? 'none';
  if (compression !== 'gzip' && compression !== 'none') {
    throw new ConfigError(
      `${tracesOrGeneral('COMPRESSION')} must be gzip or none, got "${compression}"`,
    );
  }
  const sampler = (optional(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() ??
    'parentbased_always_on') as TraceSampler;
  if (!TRACE_SAMPLERS.includes(sampler)) {
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')}, got "${sampler}"`,
    );
  }
  const { 'service.name': named, ...resourceAttributes } = keyValueList(
    env,
    'OTEL_RESOURCE_ATTRIBUTES',
  );
  const maxQueueSize = integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2_048, 1, 1_000_000);
  const maxExportBatchSize = integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000);
  if (maxExportBatchSize > maxQueueSize) {
    throw new ConfigError(
      `OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})`,
    );
  }
  return {
    endpoint,
    protocol,
    // The general headers, then the traces' own (which win for the same name).
    headers: {
      ...exportHeaders(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...exportHeaders(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    },
    compression,
    timeoutMs: integer(env, tracesOrGeneral('TIMEOUT'), 10_000, 1, 600_000),
    serviceName: optional(env, 'OTEL_SERVICE_NAME') ?? named ?? SERVICE_NAME,
    resourceAttributes,
    sampler,
    samplerRatio: sampler.endsWith('traceidratio') ? samplerRatio(env) : 1,
    batch: {
      scheduledDelayMs: integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5_000, 1, 600_000),
      exportTimeoutMs: integer(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1, 600_000),
      maxQueueSize,
      maxExportBatchSize,
    },
  };
}

/**
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT with `v1/traces`
 * added to its path; with neither, the standard local collector when `standardDefault`.
 */
function otlpEndpoint(env: Env, standardDefault: boolean): string | undefined {
  const check = (name: string) => {
    const url = absoluteUrl(env, name, ['http', 'https'], 'http(s)');
    if (url && (url.username || url.password)) {
      throw new ConfigError(
        `${name} must not contain credentials; send them in OTEL_EXPORTER_OTLP_HEADERS`,
      );
    }
    return url;
  };
  const traces = check('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (traces) return traces.href;
  const base = check('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base) return new URL(`${base.pathname.replace(/\/*$/, '/')}v1/traces`, base).href;
  return standardDefault ? 'http://localhost:4318/v1/traces' : undefined;
}

function samplerRatio(env: Env): number {
  const value = optional(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (value === undefined) return 1;
  const ratio = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isNaN(ratio)) {
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 (0.25 traces a quarter), got "${value}"`,
    );
  }
  return ratio;
}

/**
 * `key=value,key2=value2` with percent-encoded values, as the OTEL_* lists are written. Values
 * are not echoed in errors: headers may hold an API key.
 */
function keyValueList(env: Env, name: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const item of (optional(env, name) ?? '').split(',')) {
    if (item.trim() === '') continue;
    const separator = item.indexOf('=');
    const key = item.slice(0, separator).trim();
    let value: string | undefined;
    try {
      value = separator > 0 ? decodeURIComponent(item.slice(separator + 1).trim()) : undefined;
    } catch {
      value = undefined;
    }
    if (key === '' || value === undefined || /[\r\n\0]/.test(value)) {
      throw new ConfigError(
        `${name} must be a list of key=value pairs (values percent-encoded), separated by commas; entry ${Object.keys(entries).length + 1} is not`,
      );
    }
    entries[key] = value;
  }
  return entries;
}

/** Header names are HTTP tokens; a value with a line break could add headers of its own. */
function exportHeaders(env: Env, name: string): Record<string, string> {
  const headers = keyValueList(env, name);
  for (const key of Object.keys(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      throw new ConfigError(`${name} has a header name that is not valid in HTTP: "${key}"`);
    }
  }
  return headers;
}
