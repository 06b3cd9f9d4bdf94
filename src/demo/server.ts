import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestLineTooLong, uriTooLong } from './http/apache-front.js';
import { BruteforceProtection } from './http/bruteforce-protection.js';
import { RequestSlots } from './http/capacity.js';
import {
  ControlInputError,
  type ControlTarget,
  controlError,
  controlSegments,
  handleControl,
  MAX_CONTROL_BODY_BYTES,
  parseControlBody,
} from './http/control.js';
import { FaultList, faultResponse } from './http/faults.js';
import { handleRequest, type PipelineEnv } from './http/pipeline.js';
import { isTrustedProxy, remoteIp } from './http/remote-ip.js';
import { flattenHeaders, parseTarget } from './http/request.js';
import { requestIdFor } from './http/request-id.js';
import { MAX_RECORDED_BODY_BYTES, RequestLog } from './http/request-log.js';
import type { DemoResponse } from './http/responses.js';
import { DemoStore } from './store.js';
import type { DemoUpstream, DemoUpstreamOptions, FaultRule, RecordedRequest } from './types.js';
import { DemoAccounts } from './users.js';
import { ForemanUi } from './writes/foreman-ui.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** setTimeout that close() can cut short, so no delayed answer outlives the server. */
class Sleeper {
  readonly #pending = new Map<NodeJS.Timeout, () => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve();
      }, ms);
      this.#pending.set(timer, resolve);
    });
  }

  wakeAll(): void {
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve();
    }
    this.#pending.clear();
  }
}

/**
 * Starts a Foreman API v2-compatible server on loopback (by default) with the demo seed. Every
 * request is recorded on arrival and its status filled in when answered. In front of the
 * controllers sit what a real Foreman has there: Apache's request-line limit, Puma's request
 * slots, Rails' RemoteIp and RequestId middleware, and the failed-login lockout.
 */
export async function startDemoUpstream(options: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  const host = options.host ?? '127.0.0.1';
  const latencyMs = options.latencyMs ?? 0;
  // Checked before anything listens: a bad count must not leave a server behind.
  const store = new DemoStore(undefined, new DemoAccounts(options.extraUsers ?? 0));
  const log = new RequestLog(options.maxRecordedRequests);
  const bruteforce = new BruteforceProtection({
    limit: options.failedLoginLimit ?? 30,
    windowMs: options.failedLoginWindowMs ?? 300_000,
  });
  const env: PipelineEnv = {
    store,
    bruteforce,
    defaultPerPage: options.defaultPerPage ?? 20,
    now: () => new Date(),
  };
  const faults = new FaultList();
  const sleeper = new Sleeper();
  const slots = new RequestSlots(options.maxConcurrentRequests ?? 32);
  let closed = false;
  const controls: ControlTarget = {
    accounts: store.accounts,
    requestCounts: () => ({
      ...log.counts(),
      inFlight: slots.inFlight,
      peakInFlight: slots.peakInFlight,
    }),
    resetRequests: () => {
      log.reset();
      slots.resetPeak();
    },
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    failedLogins: (ip) => bruteforce.failures(ip),
    resetLockouts: () => bruteforce.reset(),
    resetData: () => {
      store.reset();
      bruteforce.reset();
    },
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = parseTarget(req.url ?? '/');
    const record: RecordedRequest = {
      method,
      path: target.path,
      query: target.query,
      login: null,
      status: 0,
      headers: flattenHeaders(req.headers),
      remoteIp: null,
      requestId: null,
    };
    log.add(record);
    // Counted once the status is known, so a client that has its answer sees it counted.
    const answer = (response: DemoResponse, fault?: FaultRule) => {
      log.finished(response.status);
      return send(res, response, record, fault, sleeper);
    };
    res.once('close', () => {
      if (record.status === 0) log.finished(0);
    });
    if (requestLineTooLong(method, req.url ?? '/', req.httpVersion)) {
      await answer(uriTooLong());
      return;
    }
    // Always drain the body, so keep-alive connections stay usable.
    const rawBody = await readBody(req);
    if (BODY_METHODS.has(method) && rawBody.length > 0) {
      const bytes = Buffer.byteLength(rawBody);
      if (bytes > MAX_RECORDED_BODY_BYTES) {
        record.omittedBodyBytes = bytes;
      } else {
        try {
          record.body = JSON.parse(rawBody);
        } catch {
          // Not JSON: the record simply has no body.
        }
      }
    }
    const peer = remoteIp({
      remoteAddr: req.socket.remoteAddress ?? '',
      clientIp: record.headers['client-ip'],
      forwardedFor: record.headers['x-forwarded-for'],
    });
    if (peer.ok) record.remoteIp = peer.ip;
    const hungUp = new AbortController();
    res.once('close', () => hungUp.abort());
    if (!(await slots.acquire(hungUp.signal))) return;
    try {
      if (closed) return;
      if (latencyMs > 0) await sleeper.sleep(latencyMs);
      const fault = faults.take(method, target.path);
      if (fault?.delayMs) await sleeper.sleep(fault.delayMs);
      if (closed) return;
      if (fault?.drop) {
        req.socket.destroy();
        return;
      }
      if (!peer.ok) {
        // Foreman's logging middleware (LoggingContextRequest) reads remote_ip before anything
        // can rescue Rails' IpSpoofAttackError, so it reaches Puma, whose 6.x answer is an
        // empty 500.
        await answer({ status: 500, headers: {}, body: '' }, fault);
        return;
      }
      const requestId = requestIdFor(record.headers['x-request-id']);
      record.requestId = requestId;
      if (fault?.status !== undefined) {
        const response = faultResponse({ ...fault, status: fault.status }, requestId);
        await answer(response, fault);
        return;
      }
      const result = handleRequest(env, {
        method,
        ...target,
        headers: record.headers,
        rawBody,
        remoteIp: peer.ip,
        requestId,
      });
      record.login = result.login;
      await answer(result.response, fault);
    } finally {
      slots.release();
    }
  };

  // Node refuses request heads over 16 KiB (431); long request lines must reach Apache's 414.
  const server = createServer({ maxHeaderSize: 65_536 }, (req, res) => {
    const internalError = (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { message } }));
      }
    };
    // The control API is not Foreman: it bypasses the request slots, the latency and the
    // record, so it answers promptly even while the demo is overloaded.
    const segments = options.control ? controlSegments(parseTarget(req.url ?? '/').path) : null;
    if (segments && isTrustedProxy(req.socket.remoteAddress ?? '')) {
      serveControl(req, res, segments).catch(internalError);
      return;
    }
    const leave = slots.arrive();
    res.once('close', leave);
    serve(req, res).catch(internalError);
  });
  // Clients keep sockets alive for 10 s; the server must keep them longer to avoid races.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const serveControl = async (req: IncomingMessage, res: ServerResponse, segments: string[]) => {
    const raw = await readBody(req, MAX_CONTROL_BODY_BYTES);
    let response: DemoResponse;
    if (raw === null) {
      response = controlError(413, `control bodies are limited to ${MAX_CONTROL_BODY_BYTES} bytes`);
    } else {
      try {
        response = handleControl(controls, {
          method: (req.method ?? 'GET').toUpperCase(),
          segments,
          query: new URL(req.url ?? '/', 'http://demo.invalid').searchParams,
          body: parseControlBody(raw),
        });
      } catch (error) {
        if (!(error instanceof ControlInputError)) throw error;
        response = controlError(400, error.message);
      }
    }
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  };

  return {
    url,
    requests: log.records,
    store,
    foremanUi: new ForemanUi(store, env.now),
    get inFlight() {
      return slots.inFlight;
    },
    get peakInFlight() {
      return slots.peakInFlight;
    },
    ...controls,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        sleeper.wakeAll();
        slots.drain();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The whole body as text. With a limit, a longer body is still drained (so the connection stays
 * usable) but not kept, and null is returned.
 */
async function readBody(req: IncomingMessage): Promise<string>;
async function readBody(req: IncomingMessage, limit: number): Promise<string | null>;
async function readBody(req: IncomingMessage, limit = Number.POSITIVE_INFINITY) {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= limit) chunks.push(chunk as Buffer);
    }
  } catch {
    // An aborted upload: whatever arrived is all there is.
  }
  return size > limit ? null : Buffer.concat(chunks).toString('utf8');
}

async function send(
  res: ServerResponse,
  response: DemoResponse,
  record: RecordedRequest,
  fault: FaultRule | undefined,
  sleeper: { sleep(ms: number): Promise<void> },
): Promise<void> {
  record.status = response.status;
  if (res.destroyed || res.writableEnded) return;
  const body = Buffer.from(response.body);
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': String(body.length),
  });
  if (fault?.bodyStallMs) {
    // A body that starts, then stalls: what a client's body timeout is for.
    const half = Math.floor(body.length / 2);
    res.write(body.subarray(0, half));
    await sleeper.sleep(fault.bodyStallMs);
    if (!res.destroyed) res.end(body.subarray(half));
    return;
  }
  res.end(body);
}
