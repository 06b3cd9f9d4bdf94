import { describe, expect, it } from 'vitest';
import { isTrustedProxy, remoteIp } from '../../src/demo/http/remote-ip.js';
import { requestIdFor } from '../../src/demo/http/request-id.js';
import { useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('remote_ip (ActionDispatch::RemoteIp with loopback trusted)', () => {
  const ip = (forwardedFor?: string, clientIp?: string, remoteAddr = '127.0.0.1') =>
    remoteIp({ remoteAddr, forwardedFor, clientIp });

  it('is the peer without forwarding headers', () => {
    expect(ip()).toEqual({ ok: true, ip: '127.0.0.1' });
    expect(ip(undefined, undefined, '::1')).toEqual({ ok: true, ip: '::1' });
  });

  it('walks X-Forwarded-For right to left, skipping trusted proxies', () => {
    expect(ip('203.0.113.7')).toEqual({ ok: true, ip: '203.0.113.7' });
    expect(ip('198.51.100.1, 203.0.113.7, 127.0.0.1')).toEqual({ ok: true, ip: '203.0.113.7' });
    expect(ip('198.51.100.1,203.0.113.7 ::1')).toEqual({ ok: true, ip: '203.0.113.7' });
    // Only loopback is trusted: a private address is a client like any other.
    expect(ip('203.0.113.7, 10.0.0.5')).toEqual({ ok: true, ip: '10.0.0.5' });
  });

  it('ignores entries that are not one IP address', () => {
    expect(ip('203.0.113.7, unknown, 10.0.0.0/8, 300.1.1.1, 01.2.3.4')).toEqual({
      ok: true,
      ip: '203.0.113.7',
    });
    expect(ip('203.0.113.7/32')).toEqual({ ok: true, ip: '203.0.113.7/32' });
    expect(ip('[2001:db8::5]')).toEqual({ ok: true, ip: '[2001:db8::5]' });
  });

  it('takes the furthest address when every candidate is trusted', () => {
    expect(ip('127.0.0.9, 127.0.0.5')).toEqual({ ok: true, ip: '127.0.0.9' });
    expect(ip('garbage')).toEqual({ ok: true, ip: '127.0.0.1' });
  });

  it('reads X-Forwarded-For whatever the peer is, as Rails does', () => {
    expect(ip('203.0.113.7', undefined, '192.0.2.1')).toEqual({ ok: true, ip: '203.0.113.7' });
    expect(ip(undefined, undefined, '192.0.2.1')).toEqual({ ok: true, ip: '192.0.2.1' });
  });

  it('uses Client-Ip after X-Forwarded-For and refuses one X-Forwarded-For lacks', () => {
    expect(ip(undefined, '203.0.113.9')).toEqual({ ok: true, ip: '203.0.113.9' });
    expect(ip('203.0.113.9, 127.0.0.1', '203.0.113.9')).toEqual({ ok: true, ip: '203.0.113.9' });
    expect(ip('198.51.100.4', '203.0.113.9')).toEqual({
      ok: false,
      spoofMessage:
        'IP spoofing attack?! HTTP_CLIENT_IP="203.0.113.9" HTTP_X_FORWARDED_FOR="198.51.100.4"',
    });
  });

  it('trusts 127.0.0.0/8 and ::1, also IPv4-mapped', () => {
    for (const trusted of ['127.0.0.1', '127.255.0.3', '::1', '0:0::1', '::ffff:127.0.0.1']) {
      expect(isTrustedProxy(trusted), trusted).toBe(true);
    }
    for (const untrusted of ['128.0.0.1', '10.0.0.1', '::2', '::ffff:10.0.0.1', 'fe80::1']) {
      expect(isTrustedProxy(untrusted), untrusted).toBe(false);
    }
  });

  it('is recorded for every request', async () => {
    demo.upstream.resetRequests();
    await demo.call('/api/status');
    await demo.call('/api/status', { headers: { 'X-Forwarded-For': '203.0.113.7, 127.0.0.1' } });
    await demo.call('/api/nope', { headers: { 'X-Forwarded-For': '198.51.100.2' } });
    expect(demo.upstream.requests.map((r) => r.remoteIp)).toEqual([
      '127.0.0.1',
      '203.0.113.7',
      '198.51.100.2',
    ]);
  });

  it('answers a spoofing attempt with Puma’s empty 500 before Rails runs', async () => {
    demo.upstream.resetRequests();
    const response = await demo.call('/api/status', {
      headers: { 'X-Forwarded-For': '198.51.100.4', 'Client-Ip': '203.0.113.9' },
    });
    expect(response.status).toBe(500);
    expect(response.text).toBe('');
    expect(response.headers.get('x-request-id')).toBeNull();
    expect(demo.upstream.requests[0]).toMatchObject({
      remoteIp: null,
      requestId: null,
      login: null,
    });
  });
});

describe('request id (ActionDispatch::RequestId)', () => {
  it('keeps [A-Za-z0-9_@-], cuts to 255, and makes a UUID when absent or blank', () => {
    expect(requestIdFor('abc-123_@x')).toBe('abc-123_@x');
    expect(requestIdFor('a b/c.d:é"e')).toBe('abcde');
    expect(requestIdFor('x'.repeat(300))).toBe('x'.repeat(255));
    expect(requestIdFor('!!!')).toBe('');
    expect(requestIdFor(undefined)).toMatch(UUID);
    expect(requestIdFor('  ')).toMatch(UUID);
  });

  it('is echoed on every answer, errors and unknown routes included, and recorded', async () => {
    demo.upstream.resetRequests();
    const given = await demo.call('/api/status', { headers: { 'X-Request-Id': 'gw.42/a' } });
    expect(given.headers.get('x-request-id')).toBe('gw42a');
    const fresh = await demo.call('/api/status');
    expect(fresh.headers.get('x-request-id')).toMatch(UUID);
    const denied = await demo.call('/api/status', { as: null, headers: { 'X-Request-Id': 'r1' } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('x-request-id')).toBe('r1');
    const unrouted = await demo.call('/api/images', { headers: { 'X-Request-Id': 'r2' } });
    expect(unrouted.status).toBe(404);
    expect(unrouted.headers.get('x-request-id')).toBe('r2');
    expect(demo.upstream.requests.map((r) => r.requestId)).toEqual([
      'gw42a',
      fresh.headers.get('x-request-id'),
      'r1',
      'r2',
    ]);
  });
});
