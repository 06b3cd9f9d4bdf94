import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, errors as undiciErrors } from 'undici';
import type { CallSpan, CallTracing } from '../../tracing/call-span.js';
import type { Caller } from '../caller.js';
import {
  parseUpstreamError,
  refusedServiceAccount,
  UpstreamError,
  unreadableAnswer,
} from '../errors.js';
import { connectionFailureCause, connectionFailureMessage } from '../upstream-causes.js';
import type { Flights } from './flights.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { Admission, LoginGuard, LoginOutcome } from './login-guard.js';
import { parseRetryAfter, type RetryPolicy, retryDelay } from './retry.js';
import { BACKGROUND, type UpstreamScheduler } from './scheduler.js';
import type { GenerationSnapshot, UpstreamCache } from './upstream-cache.js';

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
  caller: Caller;
  /** Shared by all requests: keeps bad credentials from locking everyone out of Foreman. */
  loginGuard: LoginGuard;
  /**
   * Deadline of one attempt until Foreman's response headers, time spent queueing for a slot or a
   * socket included; then the limit between body chunks. In milliseconds.
   */
  timeoutMs: number;
  /** Largest response body read, in bytes. */
  maxResponseBytes: number;
  /** Bounds how many calls this client has in flight at once. */
  limiter: ConcurrencyLimiter;
  /** Foreman's slots, shared fairly between callers, and spent only on calls that can make it. */
  scheduler: UpstreamScheduler;
  /** The gateway's own work (audit polls and the like), done on nobody's request. */
  background?: boolean | undefined;
  /** Calls one (caller's own) credential may have in flight at once, across all requests. */
  credentialConcurrency: number;
  /** Identical reads in flight at once, across requests, share one call. */
  flights: Flights;
  /** Answers kept for a while (opt-in, UPSTREAM_CACHE_TTL_MS). */
  cache?: UpstreamCache | undefined;
  /** Retries for GET; writes are never retried. */
  retry: RetryPolicy;
  /** Upstream requests (retries included) this client may make in all. */
  maxRequests: number;
  /** Aborted when the GraphQL request ends: queued and in-flight calls are cancelled. */
  signal?: AbortSignal | undefined;
  /** Correlates Foreman's logs with ours. */
  requestId?: string | undefined;
  onCall?: ((event: UpstreamCallEvent) => void) | undefined;
  /** Traces each attempt (a span, and the `traceparent` sent with it); unset: no tracing. */
  trace?: CallTracing | undefined;
}

/** Why a call's own signal fired: its deadline, as opposed to the request going away. */
const DEADLINE = Symbol('deadline');

/**
 * A thin JSON client for Foreman API v2. One instance serves one GraphQL request: it carries that
 * caller's credentials, so nothing it reads can be served to anyone else.
 */
export class ForemanClient {
  readonly #options: ForemanClientOptions;
  readonly #origin: string;
  readonly #pathPrefix: string;
  readonly #headers: Record<string, string>;
  #requestsMade = 0;
  /** Set once Foreman refused the credential: nothing more is sent with it in this request. */
  #refusal: UpstreamError | undefined;
  /**
   * Fires when this request's upstream work is to stop: the request ended, or it needed more
   * calls than it may make (it is answered LIMIT_EXCEEDED, so nothing it has queued is worth
   * sending). One listener on the request's signal, whatever the number of calls.
   */
  #stopController: AbortController | undefined;

  constructor(options: ForemanClientOptions) {
    this.#options = options;
    const { origin, pathPrefix } = endpointOf(options.baseUrl);
    this.#origin = origin;
    this.#pathPrefix = pathPrefix;
    const { caller, requestId } = options;
    this.#headers = {
      accept: 'application/json',
      // Foreman translates messages; we show them to users and match none of them but one.
      'accept-language': 'en',
      ...(caller.authorization ? { authorization: caller.authorization } : {}),
      ...(caller.forwardedFor ? { 'x-forwarded-for': caller.forwardedFor } : {}),
      ...(requestId ? { 'x-request-id': requestId } : {}),
    };
  }

  /** Who this client calls Foreman for. */
  get caller(): Caller {
    return this.#options.caller;
  }

  /** The request id sent to Foreman with every call (`x-request-id`). */
  get requestId(): string | undefined {
    return this.#options.requestId;
  }

  /** Made on the first call: a request that never calls Foreman pays nothing for it. */
  get #stop(): AbortController {
    if (this.#stopController) return this.#stopController;
    const stop = new AbortController();
    // One listener per call in flight or queued: a busy request has many, which is expected.
    setMaxListeners(0, stop.signal);
    const { signal } = this.#options;
    if (signal?.aborted) stop.abort(signal.reason);
    else signal?.addEventListener('abort', () => stop.abort(signal.reason), { once: true });
    this.#stopController = stop;
    return stop;
  }

  /**
   * A read. From the cache when it holds a current answer for this credential; else joined to an
   * identical read in flight (the same credential, address and URL), or made: retried on
   * connection errors and 502/503/504, with backoff and jitter.
   */
  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    this.#checkCanCall('GET', path);
    const { caller, cache, flights } = this.#options;
    const identity = caller.identity as string;
    const search = new URLSearchParams(query).toString();
    const url = search ? `${path}?${search}` : path;
    if (cache && !this.#options.loginGuard.isRefused(identity)) {
      const hit = await cache.get(identity, url);
      if (hit !== undefined) return hit as T;
    }
    this.#requestsMade += 1;
    const key = `${identity}\u0000${caller.forwardedFor ?? ''}\u0000${url}`;
    const { answer } = flights.join(key, this.#stop.signal, (signal) =>
      this.#read<T>(path, query, url, signal),
    );
    try {
      return await answer;
    } catch (error) {
      throw this.#asOwn(error, 'GET', path);
    }
  }

  /** Writes are sent once: never retried, whatever the answer (a retry could create twice). */
  async send<T>(method: WriteMethod, path: string, body?: unknown): Promise<T> {
    this.#checkCanCall(method, path);
    this.#requestsMade += 1;
    try {
      return (await this.#attempt<T>(method, path, {}, body, 1, this.#stop.signal)).data;
    } catch (error) {
      throw this.#asOwn(error, method, path);
    }
  }

  /**
   * What the cache holds may be out of date now: an image write through this client has been
   * answered. Awaited before the write is answered, so that its writer reads it back at once.
   */
  async imagesChanged(): Promise<void> {
    await this.#options.cache?.bump('images');
  }

  /**
   * A read as one call to Foreman (with retries), made for whoever waits for it: cancelled by
   * `signal` when nobody does any more. Its answer is kept when the cache is on, with the
   * generations read before it was sent.
   */
  async #read<T>(
    path: string,
    query: Record<string, string>,
    url: string,
    signal: AbortSignal,
  ): Promise<T> {
    const { cache, caller } = this.#options;
    const generations: GenerationSnapshot | undefined = cache ? await cache.snapshot() : undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const { data, bytes } = await this.#attempt<T>(
          'GET',
          path,
          query,
          undefined,
          attempt,
          signal,
        );
        if (cache && generations)
          cache.set(caller.identity as string, url, data, bytes, generations);
        return data;
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        const delay = retryDelay(this.#options.retry, attempt, error);
        if (delay === undefined) throw error;
        await sleep(delay, undefined, { signal }).catch(() => {
          throw this.#cancelled('GET', path, signal);
        });
      }
    }
  }

  /** Before a call is made for this request: what it may not do is refused here. */
  #checkCanCall(method: string, path: string): void {
    const { caller } = this.#options;
    if (!caller.authorization || !caller.identity) {
      // Without credentials Foreman can only answer 401 (and count a failed login): say so here.
      throw new UpstreamError({
        kind: 'missing_credentials',
        status: 401,
        message: caller.problem
          ? `Unusable credentials: ${caller.problem}. Send HTTP Basic (login:password, or a Foreman personal access token as the password)`
          : 'No credentials: send an Authorization header (HTTP Basic, or a Foreman personal access token as the password)',
        method,
        path,
      });
    }
    if (this.#refusal) throw this.#refusal;
    const stop = this.#stop.signal;
    if (stop.aborted) throw this.#cancelled(method, path, stop);
    if (this.#requestsMade >= this.#options.maxRequests) {
      const capped = new UpstreamError({
        kind: 'request_limit',
        status: 0,
        message: `This query needs more than ${this.#options.maxRequests} requests to Foreman; ask for less (smaller pages, fewer fields)`,
        method,
        path,
      });
      // The answer is LIMIT_EXCEEDED whatever else comes back: stop the calls still queued.
      this.#stop.abort(capped);
      throw capped;
    }
  }

  /**
   * A call's failure as this request takes it (the call may have been made for several): a
   * refusal means nothing more is sent with the credential in this request; being refused for
   * lack of time means the request is answered OVERLOADED, so its other waiting calls stop; and
   * this request going away is its own cancellation.
   */
  #asOwn(error: unknown, method: string, path: string): unknown {
    const stop = this.#stop.signal;
    if (stop.aborted && error === stop.reason) return this.#cancelled(method, path, stop);
    if (!(error instanceof UpstreamError)) return error;
    if (loginOutcome(error) === 'refused' || error.kind === 'credentials_refused') {
      this.#refusal = error;
    }
    // Answered OVERLOADED whatever else comes back: its calls still waiting are not worth a slot.
    if (error.kind === 'overloaded') this.#stop.abort(error);
    return error;
  }

  async #attempt<T>(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    attempt: number,
    cancel: AbortSignal,
  ): Promise<{ data: T; bytes: number }> {
    const { caller } = this.#options;
    if (cancel.aborted) throw this.#cancelled(method, path, cancel);

    // One signal per attempt: the request's, the credential's revocation while it waits, and a
    // deadline that starts now, so time spent waiting for a slot or a socket counts.
    const call = new AbortController();
    const deadlineAt = Date.now() + this.#options.timeoutMs;
    const deadline = setTimeout(() => call.abort(DEADLINE), this.#options.timeoutMs);
    const onStop = () => call.abort(cancel.reason);
    cancel.addEventListener('abort', onStop, { once: true });
    const credential = {
      identity: caller.identity as string,
      client: caller.address,
      foremanKey: caller.forwardedFor ?? 'gateway',
      shared: caller.sharedCredential,
    };
    let admission: Admission | undefined;
    let outcome: LoginOutcome = 'unknown';
    let started = 0;
    let span: CallSpan | undefined;
    try {
      const result = await this.#options.limiter.run(async () => {
        admission = await this.#options.loginGuard.admit(credential, call.signal, (reason) =>
          call.abort(reason),
        );
        const slot = await this.#options.scheduler.acquire({
          share: this.#options.background ? BACKGROUND : caller.share,
          route: routeTemplate(path),
          deadline: deadlineAt,
          // What one credential has in flight is what it can cost in failed logins if it stops
          // working: bounded, but for the gateway's own (a service account), which every caller
          // uses and which fairness shares out by client address instead.
          maxInFlight: caller.sharedCredential ? undefined : this.#options.credentialConcurrency,
          signal: call.signal,
        });
        const sent = admission;
        try {
          // Checked in the same tick as the call is handed to the pool: a credential refused,
          // or a request ended, while this call waited sends nothing.
          call.signal.throwIfAborted();
          sent.sending();
          started = performance.now();
          span = this.#options.trace?.startCall(method, routeTemplate(path), attempt);
          const answer = await this.#exchange<T>(
            method,
            path,
            query,
            body,
            call.signal,
            deadline,
            span?.headers,
          );
          sent.settle('accepted');
          return answer;
        } catch (error) {
          // Settled before the slot goes to the next call: a refusal must revoke the credential
          // before another call with it can be sent.
          sent.settle(loginOutcome(this.#toUpstreamError(error, method, path, call.signal)));
          throw error;
        } finally {
          slot.release();
        }
      }, call.signal);
      outcome = 'accepted';
      this.#report(method, path, result.status, started, attempt);
      span?.end(result.status);
      return { data: result.data, bytes: result.bytes };
    } catch (error) {
      let upstreamError = this.#toUpstreamError(error, method, path, call.signal);
      upstreamError.requestId ??= this.#options.requestId;
      outcome = loginOutcome(upstreamError);
      // Nothing read with a credential Foreman refuses is served again from the cache.
      if (outcome === 'refused') this.#options.cache?.forgetIdentity(caller.identity as string);
      // The gateway's own account refused: callers are told that, not to check their password.
      if (
        caller.sharedCredential &&
        (outcome === 'refused' || upstreamError.kind === 'credentials_refused')
      ) {
        upstreamError = refusedServiceAccount(upstreamError);
      }
      // Only calls that were sent are reported: local refusals and cancelled waits never were.
      if (started > 0) {
        const status = upstreamError.kind === 'http' ? upstreamError.status : 0;
        this.#report(method, path, status, started, attempt, upstreamError);
        span?.end(status, upstreamError);
      }
      if (outcome === 'locked-out') throw this.#options.loginGuard.lockedOutError();
      throw upstreamError;
    } finally {
      clearTimeout(deadline);
      cancel.removeEventListener('abort', onStop);
      admission?.settle(outcome);
    }
  }

  #report(
    method: string,
    path: string,
    status: number,
    started: number,
    attempt: number,
    error?: UpstreamError,
  ): void {
    this.#options.onCall?.({
      method,
      route: routeTemplate(path),
      status,
      durationMs: performance.now() - started,
      attempt,
      ...(error ? { error } : {}),
    });
  }

  async #exchange<T>(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    signal: AbortSignal,
    deadline: NodeJS.Timeout,
    traceHeaders: Readonly<Record<string, string>> | undefined,
  ): Promise<{ status: number; data: T; bytes: number }> {
    const search = new URLSearchParams(query).toString();
    const headers = traceHeaders ? { ...this.#headers, ...traceHeaders } : this.#headers;
    const response = await this.#options.dispatcher.request({
      origin: this.#origin,
      method: method as Dispatcher.HttpMethod,
      path: `${this.#pathPrefix}${path}${search ? `?${search}` : ''}`,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal,
      headersTimeout: this.#options.timeoutMs,
      bodyTimeout: this.#options.timeoutMs,
    });
    // Headers are in: from here the body timeout (between chunks) applies.
    clearTimeout(deadline);
    // Always read the whole body: an unread body keeps the pooled connection busy.
    const text = await readBounded(response, this.#options.maxResponseBytes, method, path);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const retryAfter = response.headers['retry-after'];
      throw parseUpstreamError(response.statusCode, text, {
        method,
        path,
        retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
      });
    }
    try {
      return { status: response.statusCode, data: JSON.parse(text) as T, bytes: text.length };
    } catch (cause) {
      const type = response.headers['content-type'];
      throw unreadableAnswer(response.statusCode, String(type ?? ''), { method, path }, cause);
    }
  }

  #toUpstreamError(
    error: unknown,
    method: string,
    path: string,
    callSignal: AbortSignal,
  ): UpstreamError {
    if (error instanceof UpstreamError) return error;
    if (callSignal.aborted) {
      // The credential was refused, or Foreman locked us out, while this call waited.
      if (callSignal.reason instanceof UpstreamError) return callSignal.reason;
      return callSignal.reason === DEADLINE
        ? new UpstreamError(
            {
              kind: 'timeout',
              status: 0,
              phase: 'response',
              message: 'Foreman did not answer in time',
              method,
              path,
            },
            { cause: error },
          )
        : this.#cancelled(method, path, callSignal);
    }
    return toUpstreamError(error, method, path);
  }

  /**
   * A call cut short by its signal (`#stop`, or a shared call's when nobody waits for it any
   * more): the cap's or the overload's error when that was why, else the request's end.
   */
  #cancelled(method: string, path: string, signal: AbortSignal): UpstreamError {
    const reason: unknown = signal.reason;
    if (reason instanceof UpstreamError) return reason;
    return new UpstreamError({
      kind: 'aborted',
      status: 0,
      message: `The request to Foreman was cancelled: ${reason instanceof Error ? reason.message : 'the GraphQL request ended'}`,
      method,
      path,
    });
  }
}

const endpoints = new Map<string, { origin: string; pathPrefix: string }>();

/** Foreman's base URL, parsed once for all requests. */
function endpointOf(baseUrl: string): { origin: string; pathPrefix: string } {
  let endpoint = endpoints.get(baseUrl);
  if (!endpoint) {
    const url = new URL(baseUrl);
    endpoint = { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
    endpoints.set(baseUrl, endpoint);
  }
  return endpoint;
}

/** A response body as text, refused past `maxBytes` (declared or counted). */
async function readBounded(
  response: Dispatcher.ResponseData,
  maxBytes: number,
  method: string,
  path: string,
): Promise<string> {
  const tooLarge = () =>
    new UpstreamError({
      kind: 'invalid_response',
      status: response.statusCode,
      message: `Foreman's answer is larger than ${maxBytes} bytes`,
      method,
      path,
    });
  // Dropping the body closes its connection; the abort it reports is expected, not a fault.
  const drop = () => response.body.on('error', () => undefined).destroy();
  const declared = Number(response.headers['content-length']);
  if (declared > maxBytes) {
    drop();
    throw tooLarge();
  }
  // Events, not `for await`: no promise per chunk on the hot path of every call.
  const body = response.body;
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        drop();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () =>
      resolve(
        (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'),
      ),
    );
    body.once('error', reject);
  });
}

/** What an answer says about the credential it was sent with. */
function loginOutcome(error: UpstreamError): LoginOutcome {
  if (error.kind !== 'http') return 'unknown';
  if (error.status === 401) {
    return /too many tries/i.test(error.message) ? 'locked-out' : 'refused';
  }
  // Authentication ran and passed before these: permission, routing of the record, validation.
  return [400, 403, 404, 409, 415, 422].includes(error.status) ? 'accepted' : 'unknown';
}

/** `/api/compute_resources/3/images/12` → `/api/compute_resources/:id/images/:id` (bounded metric labels). */
function routeTemplate(path: string): string {
  return path.replace(/\/\d+(?=\/|$)/g, '/:id');
}

function toUpstreamError(error: unknown, method: string, path: string): UpstreamError {
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
  // What went wrong, in a word clients can switch on: a certificate, a refused port, DNS…
  const upstreamCause = connectionFailureCause(error);
  return new UpstreamError(
    {
      kind: 'network',
      status: 0,
      upstreamCause,
      message: connectionFailureMessage(upstreamCause),
      method,
      path,
    },
    { cause: error },
  );
}
