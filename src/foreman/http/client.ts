import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, errors as undiciErrors } from 'undici';
import { parseUpstreamError, UpstreamError } from '../errors.js';
import type { ConcurrencyLimiter } from './limiter.js';
import { parseRetryAfter, type RetryPolicy, retryDelay } from './retry.js';

export type WriteMethod = 'POST' | 'PUT' | 'DELETE';

/** What the client reports about each upstream attempt (for logs and metrics; never credentials). */
export interface UpstreamCallEvent {
  method: string;
  /** The path with ids replaced, e.g. `/api/compute_resources/:id/images`. */
  route: string;
  /** 0 when there was no answer. */
  status: number;
  durationMs: number;
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
  error?: UpstreamError;
}

export interface ForemanClientOptions {
  /** Foreman's base URL, e.g. `https://foreman.example.com` (a path prefix is kept). */
  baseUrl: string;
  /** The shared keep-alive pool for Foreman's origin. */
  dispatcher: Dispatcher;
  /** The `Authorization` header value to send, or undefined to send none. */
  authorization?: string | undefined;
  /** Limit for response headers, and between body chunks, in milliseconds. */
  timeoutMs: number;
  /** Bounds how many calls this client has in flight at once. */
  limiter: ConcurrencyLimiter;
  /** Retries for GET; writes are never retried. */
  retry: RetryPolicy;
  /** Upstream requests (retries included) this client may make in all. */
  maxRequests: number;
  /** Correlates Foreman's logs with ours. */
  requestId?: string | undefined;
  onCall?: ((event: UpstreamCallEvent) => void) | undefined;
}

/**
 * A thin JSON client for Foreman API v2. One instance serves one GraphQL request: it carries that
 * caller's credentials, so nothing it reads can be served to anyone else.
 */
export class ForemanClient {
  readonly #options: ForemanClientOptions;
  readonly #origin: string;
  readonly #pathPrefix: string;
  #requestsMade = 0;

  constructor(options: ForemanClientOptions) {
    this.#options = options;
    const url = new URL(options.baseUrl);
    this.#origin = url.origin;
    this.#pathPrefix = url.pathname.replace(/\/+$/, '');
  }

  /** GETs are retried on connection errors and 502/503/504, with backoff and jitter. */
  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt<T>('GET', path, query, undefined, attempt);
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        const delay = retryDelay(this.#options.retry, attempt, error);
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }

  /** Writes are sent once: never retried, whatever the answer (a retry could create twice). */
  send<T>(method: WriteMethod, path: string, body?: unknown): Promise<T> {
    return this.#attempt<T>(method, path, {}, body, 1);
  }

  async #attempt<T>(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    attempt: number,
  ): Promise<T> {
    if (!this.#options.authorization) {
      // Without credentials Foreman can only answer 401: say so without asking it.
      throw new UpstreamError({
        kind: 'missing_credentials',
        status: 401,
        message:
          'No credentials: send an Authorization header (HTTP Basic, or a Foreman personal access token as the password)',
        method,
        path,
      });
    }
    if (this.#requestsMade >= this.#options.maxRequests) {
      throw new UpstreamError({
        kind: 'request_limit',
        status: 0,
        message: `This query needs more than ${this.#options.maxRequests} requests to Foreman; ask for less (smaller pages, fewer fields)`,
        method,
        path,
      });
    }
    this.#requestsMade += 1;
    return this.#options.limiter.run(async () => {
      const started = performance.now();
      const report = (status: number, error?: UpstreamError) =>
        this.#options.onCall?.({
          method,
          route: routeTemplate(path),
          status,
          durationMs: performance.now() - started,
          attempt,
          ...(error ? { error } : {}),
        });
      try {
        const result = await this.#exchange<T>(method, path, query, body);
        report(result.status);
        return result.data;
      } catch (error) {
        const upstreamError = toUpstreamError(error, method, path);
        report(upstreamError.status, upstreamError);
        throw upstreamError;
      }
    });
  }

  async #exchange<T>(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
  ): Promise<{ status: number; data: T }> {
    const search = new URLSearchParams(query).toString();
    const headers: Record<string, string> = {
      accept: 'application/json',
      // Foreman translates messages; we show them to users and match none of them.
      'accept-language': 'en',
    };
    if (this.#options.authorization) headers.authorization = this.#options.authorization;
    if (this.#options.requestId) headers['x-request-id'] = this.#options.requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';

    const response = await this.#options.dispatcher.request({
      origin: this.#origin,
      method: method as Dispatcher.HttpMethod,
      path: `${this.#pathPrefix}${path}${search ? `?${search}` : ''}`,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      headersTimeout: this.#options.timeoutMs,
      bodyTimeout: this.#options.timeoutMs,
    });
    // Always read the whole body: an unread body keeps the pooled connection busy.
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const retryAfter = response.headers['retry-after'];
      throw parseUpstreamError(response.statusCode, text, {
        method,
        path,
        retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
      });
    }
    try {
      return { status: response.statusCode, data: JSON.parse(text) as T };
    } catch (cause) {
      throw new UpstreamError(
        {
          kind: 'invalid_response',
          status: response.statusCode,
          message: 'Foreman answered with a body that is not JSON',
          method,
          path,
        },
        { cause },
      );
    }
  }
}

/** `/api/compute_resources/3/images/12` → `/api/compute_resources/:id/images/:id` (bounded metric labels). */
function routeTemplate(path: string): string {
  return path.replace(/\/\d+(?=\/|$)/g, '/:id');
}

function toUpstreamError(error: unknown, method: string, path: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const connectTimeout = error instanceof undiciErrors.ConnectTimeoutError;
  const responseTimeout =
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError;
  if (connectTimeout || responseTimeout) {
    return new UpstreamError(
      {
        kind: 'timeout',
        status: 0,
        phase: connectTimeout ? 'connect' : 'response',
        message: connectTimeout
          ? 'Foreman could not be reached in time'
          : 'Foreman did not answer in time',
        method,
        path,
      },
      { cause: error },
    );
  }
  return new UpstreamError(
    { kind: 'network', status: 0, message: 'Foreman could not be reached', method, path },
    { cause: error },
  );
}
