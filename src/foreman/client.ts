import { type Dispatcher, errors as undiciErrors } from 'undici';
import { parseUpstreamError, UpstreamError } from './errors.js';
import type { ConcurrencyLimiter } from './limiter.js';

export type WriteMethod = 'POST' | 'PUT' | 'DELETE';

/** What the client reports about each upstream call (for logs and metrics; never credentials). */
export interface UpstreamCallEvent {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  error?: UpstreamError;
}

export interface ForemanClientOptions {
  /** Foreman's base URL, e.g. `https://foreman.example.com` (a path prefix is kept). */
  baseUrl: string;
  /** The shared keep-alive pool for Foreman's origin. */
  dispatcher: Dispatcher;
  /** The `Authorization` header value to send, or undefined to send none. */
  authorization?: string | undefined;
  /** Per-request limit for headers and for the body, in milliseconds. */
  timeoutMs: number;
  /** Bounds how many calls this client has in flight at once. */
  limiter: ConcurrencyLimiter;
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
  readonly #pathPrefix: string;

  constructor(options: ForemanClientOptions) {
    this.#options = options;
    this.#pathPrefix = new URL(options.baseUrl).pathname.replace(/\/+$/, '');
  }

  get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    return this.#request<T>('GET', path, query, undefined);
  }

  /** Writes are sent once: never retried, whatever the answer (a retry could create twice). */
  send<T>(method: WriteMethod, path: string, body?: unknown): Promise<T> {
    return this.#request<T>(method, path, {}, body);
  }

  #request<T>(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
  ): Promise<T> {
    if (!this.#options.authorization) {
      // Without credentials Foreman can only answer 401: say so without asking it.
      return Promise.reject(
        new UpstreamError({
          kind: 'missing_credentials',
          status: 401,
          message:
            'No credentials: send an Authorization header (HTTP Basic, or a Foreman personal access token as the password)',
          method,
          path,
        }),
      );
    }
    return this.#options.limiter.run(async () => {
      const started = performance.now();
      const report = (status: number, error?: UpstreamError) =>
        this.#options.onCall?.({
          method,
          path,
          status,
          durationMs: performance.now() - started,
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
      origin: new URL(this.#options.baseUrl).origin,
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
      throw parseUpstreamError(response.statusCode, text, { method, path });
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

function toUpstreamError(error: unknown, method: string, path: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const timedOut =
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError;
  return new UpstreamError(
    {
      kind: timedOut ? 'timeout' : 'network',
      status: 0,
      message: timedOut ? 'Foreman did not answer in time' : 'Foreman could not be reached',
      method,
      path,
    },
    { cause: error },
  );
}
