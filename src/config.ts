import { accessSync, constants } from 'node:fs';

/** Everything the gateway reads from its environment, validated once at start-up. */
export interface Config {
  /** Foreman's base URL; undefined means "start the built-in demo upstream". */
  foremanUrl: string | undefined;
  /** A configured service account replaces callers' credentials (explicit opt-in). */
  serviceAccount: { username: string; password: string } | undefined;
  foremanCaFile: string | undefined;
  foremanTimeoutMs: number;
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
    foremanUrl: foremanUrl(env),
    serviceAccount:
      username !== undefined && password !== undefined ? { username, password } : undefined,
    foremanCaFile: readableFile(env, 'FOREMAN_CA_FILE'),
    foremanTimeoutMs: integer(env, 'FOREMAN_TIMEOUT_MS', 30_000, 1, 600_000),
    port: integer(env, 'PORT', 4000, 0, 65_535),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    logLevel: logLevel(env),
    limits: {
      maxPageSize,
      defaultPageSize,
      upstreamConcurrencyPerRequest: integer(env, 'UPSTREAM_CONCURRENCY', 8, 1, 256),
      upstreamConnections: integer(env, 'UPSTREAM_CONNECTIONS', 32, 1, 1024),
    },
  };
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function foremanUrl(env: Env): string | undefined {
  const value = optional(env, 'FOREMAN_URL');
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`FOREMAN_URL must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`FOREMAN_URL must use http or https, got "${url.protocol}"`);
  }
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

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
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
