import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseUpstreamError, UpstreamError, unreadableAnswer } from '../../src/foreman/errors.js';
import { connectionFailureCause, explainCause } from '../../src/foreman/upstream-causes.js';
import { fromUpstreamError } from '../../src/schema/errors.js';

/** An error as Node, OpenSSL or undici raise it: a message and a code. */
function failure(code: string, message = code, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code }, extra);
}

describe('connectionFailureCause', () => {
  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'certificate'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'certificate'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'certificate'],
    ['CERT_HAS_EXPIRED', 'certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'certificate'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['EPROTO', 'tls'],
    ['ECONNREFUSED', 'refused'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ETIMEDOUT', 'timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['ECONNRESET', 'reset'],
    ['UND_ERR_SOCKET', 'reset'],
    ['EWHATEVER', 'network'],
  ])('%s is %s', (code, cause) => {
    expect(connectionFailureCause(failure(code))).toBe(cause);
  });

  it('reads through causes, and each address of a connection tried on several', () => {
    const wrapped = new Error('fetch failed', { cause: failure('ENOTFOUND') });
    expect(connectionFailureCause(wrapped)).toBe('dns');
    const everyAddress = new AggregateError([failure('ECONNREFUSED'), failure('ECONNREFUSED')]);
    expect(connectionFailureCause(everyAddress)).toBe('refused');
  });

  it('a more precise cause under a reset wins', () => {
    const reset = failure('UND_ERR_SOCKET', 'other side closed', {
      cause: failure('ERR_SSL_WRONG_VERSION_NUMBER'),
    });
    expect(connectionFailureCause(reset)).toBe('tls');
  });

  it("AbortSignal.timeout's reason is a timeout", () => {
    expect(connectionFailureCause(new DOMException('aborted', 'TimeoutError'))).toBe('timeout');
  });

  it('nothing to read is a plain network failure', () => {
    expect(connectionFailureCause(undefined)).toBe('network');
    expect(connectionFailureCause('a string')).toBe('network');
  });

  it('explanations name the setting to fix and never an address', () => {
    expect(explainCause('certificate')).toContain('FOREMAN_CA_FILE');
    expect(explainCause('service_account_refused')).toContain('FOREMAN_PASSWORD');
  });
});

describe("answers that are not Foreman's", () => {
  const request = { method: 'GET', path: '/api/architectures' };

  it('a 404 without a Foreman message is not_foreman, not a 404', () => {
    for (const body of ['<html><h1>404 Not Found</h1></html>', '', '{"detail":"Not found"}']) {
      const error = parseUpstreamError(404, body, request);
      expect(error).toMatchObject({
        kind: 'invalid_response',
        status: 0,
        upstreamCause: 'not_foreman',
      });
    }
  });

  it("a web server's 400 page (plain HTTP sent to its HTTPS port) and 405 are not Foreman's", () => {
    const plainToHttps =
      '<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head></html>';
    expect(parseUpstreamError(400, plainToHttps, request).upstreamCause).toBe('not_foreman');
    expect(parseUpstreamError(405, '', request).upstreamCause).toBe('not_foreman');
    // Foreman's own 400 stays the caller's bad input.
    const foremans400 = '{"status":400,"error":"There was a problem in the JSON you submitted"}';
    expect(parseUpstreamError(400, foremans400, request)).toMatchObject({
      kind: 'http',
      status: 400,
    });
  });

  it("Foreman's own 404s stay 404s (wrapped, unwrapped, and Rails' routing error)", () => {
    for (const body of [
      '{"error":{"message":"Resource image not found by id \'5\'"}}',
      '{"message":"Operatingsystem not found by id \'99\'"}',
      '{"status":404,"error":"Not Found"}',
    ]) {
      expect(parseUpstreamError(404, body, request)).toMatchObject({ kind: 'http', status: 404 });
    }
  });

  it('a 2xx that does not parse: not Foreman unless it says it is JSON', () => {
    expect(unreadableAnswer(200, 'text/html', request, undefined).upstreamCause).toBe(
      'not_foreman',
    );
    expect(unreadableAnswer(200, 'application/json', request, undefined)).toMatchObject({
      kind: 'invalid_response',
      status: 200,
      upstreamCause: undefined,
    });
  });
});

describe('extensions.upstreamCause', () => {
  const of = (upstream: UpstreamError) =>
    fromUpstreamError(new GraphQLError('x', { originalError: upstream }))?.extensions;
  const details = { status: 0, message: 'm', method: 'GET', path: '/api/x' };

  it('every UPSTREAM_* code carries one', () => {
    expect(of(new UpstreamError({ ...details, kind: 'timeout' }))).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      upstreamCause: 'timeout',
    });
    expect(of(new UpstreamError({ ...details, kind: 'aborted' }))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamCause: 'cancelled',
    });
    expect(of(new UpstreamError({ ...details, kind: 'http', status: 500 }))).toMatchObject({
      code: 'UPSTREAM_ERROR',
      upstreamCause: 'foreman_error',
      upstreamStatus: 500,
    });
    expect(of(new UpstreamError({ ...details, kind: 'invalid_response' }))).toMatchObject({
      code: 'UPSTREAM_ERROR',
      upstreamCause: 'invalid_response',
    });
  });

  it("the caller's own faults carry none", () => {
    expect(of(new UpstreamError({ ...details, kind: 'http', status: 404 }))).toEqual({
      code: 'NOT_FOUND',
      upstreamStatus: 404,
    });
    expect(of(new UpstreamError({ ...details, kind: 'http', status: 403 }))).toEqual({
      code: 'FORBIDDEN',
      upstreamStatus: 403,
    });
  });
});
