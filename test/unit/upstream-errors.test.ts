import { describe, expect, it } from 'vitest';
import { parseUpstreamError } from '../../src/foreman/errors.js';
import { timestamp } from '../../src/foreman/timestamps.js';

const request = { method: 'GET', path: '/api/architectures' };

describe('parseUpstreamError reads every body shape Foreman sends', () => {
  it('wrapped message (401, 403, 404, 400, 500)', () => {
    const error = parseUpstreamError(
      404,
      '{"error":{"message":"Resource image not found by id \'5\'"}}',
      request,
    );
    expect(error).toMatchObject({
      status: 404,
      kind: 'http',
      message: "Resource image not found by id '5'",
    });
  });

  it('422 with field errors', () => {
    const error = parseUpstreamError(
      422,
      JSON.stringify({
        error: {
          id: null,
          errors: { name: ['has already been taken'], uuid: ["can't be blank"] },
          full_messages: ['Name has already been taken', "Uuid can't be blank"],
        },
      }),
      { method: 'POST', path: '/api/compute_resources/1/images' },
    );
    expect(error.status).toBe(422);
    expect(error.fieldErrors).toEqual({
      name: ['has already been taken'],
      uuid: ["can't be blank"],
    });
    expect(error.message).toBe("Name has already been taken; Uuid can't be blank");
  });

  it('unwrapped message (nested parent 404, maintenance 503)', () => {
    const error = parseUpstreamError(
      404,
      '{"message":"Operatingsystem not found by id \'99\'"}',
      request,
    );
    expect(error.message).toBe("Operatingsystem not found by id '99'");
  });

  it('{status, error} (malformed JSON body, Rails routing 404)', () => {
    const error = parseUpstreamError(
      400,
      '{"status":400,"error":"There was a problem in the JSON you submitted: unexpected token"}',
      request,
    );
    expect(error.message).toBe('There was a problem in the JSON you submitted: unexpected token');
  });

  it('empty body (expired session 401) and HTML pages get a neutral message', () => {
    expect(parseUpstreamError(401, '', request).message).toBe('Foreman rejected the credentials');
    const html = parseUpstreamError(
      502,
      '<html><body><h1>502 Bad Gateway</h1></body></html>',
      request,
    );
    expect(html.message).toBe('Foreman answered HTTP 502');
    expect(html.message).not.toContain('<');
  });

  it('403 with details keeps the message', () => {
    const error = parseUpstreamError(
      403,
      '{"error":{"message":"Access denied","details":"Missing one of the required permissions: view_images","missing_permissions":["view_images"]}}',
      request,
    );
    expect(error.message).toBe('Access denied');
  });

  it('bounds very long messages', () => {
    const error = parseUpstreamError(
      500,
      JSON.stringify({ error: { message: 'x'.repeat(5000) } }),
      request,
    );
    expect(error.message.length).toBeLessThan(510);
  });
});

describe('timestamp', () => {
  it('reads UTC, offset and ISO forms as the same instant', () => {
    expect(timestamp('2024-05-02 09:14:31 UTC')).toBe('2024-05-02T09:14:31.000Z');
    expect(timestamp('2024-05-02 11:14:31 +0200')).toBe('2024-05-02T09:14:31.000Z');
    expect(timestamp('2024-05-02 04:14:31 -0500')).toBe('2024-05-02T09:14:31.000Z');
    expect(timestamp('2024-05-02T09:14:31.000Z')).toBe('2024-05-02T09:14:31.000Z');
  });

  it('gives null for absent or unreadable values', () => {
    expect(timestamp(null)).toBeNull();
    expect(timestamp(undefined)).toBeNull();
    expect(timestamp('yesterday')).toBeNull();
    expect(timestamp('2024-13-45 99:99:99 UTC')).toBeNull();
  });
});
