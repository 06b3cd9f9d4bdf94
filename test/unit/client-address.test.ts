import { describe, expect, it } from 'vitest';
import { ClientAddresses } from '../../src/client-address.js';

describe('the caller’s address', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const addresses = new ClientAddresses([]);
    expect(addresses.resolve('203.0.113.5', '198.51.100.1')).toBe('203.0.113.5');
  });

  it('behind trusted proxies, is the rightmost address that is not one of them', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8', '192.0.2.7']);
    expect(addresses.resolve('10.1.2.3', '198.51.100.1, 192.0.2.7, 10.9.9.9')).toBe('198.51.100.1');
    // A client can prepend anything; only what trusted proxies appended counts.
    expect(addresses.resolve('10.1.2.3', 'spoofed-nonsense, 203.0.113.9, 10.0.0.2')).toBe(
      '203.0.113.9',
    );
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8']);
    expect(addresses.resolve('203.0.113.5', '198.51.100.1')).toBe('203.0.113.5');
  });

  it('reads an IPv4 peer on a dual-stack socket as IPv4, and matches IPv6 ranges', () => {
    const addresses = new ClientAddresses(['127.0.0.1', 'fd00::/8']);
    expect(addresses.resolve('::ffff:127.0.0.1', '198.51.100.2')).toBe('198.51.100.2');
    expect(addresses.resolve('fd00::1', '2001:db8::5')).toBe('2001:db8::5');
    expect(addresses.resolve(undefined, undefined)).toBe('unknown');
  });
});

describe('X-Forwarded-For hops a client cannot use to choose its address', () => {
  const addresses = new ClientAddresses(['10.0.0.0/8']);

  it('reads hops that carry a port, as proxies that append one write them', () => {
    expect(addresses.resolve('10.1.2.3', '198.51.100.1, 203.0.113.7:5678')).toBe('203.0.113.7');
    expect(addresses.resolve('10.1.2.3', '[2001:db8::1]:443')).toBe('2001:db8::1');
    // Before, a hop with a port was dropped, and the client's own prefix became its address.
    expect(addresses.resolve('10.1.2.3', '198.51.100.99, 203.0.113.7:5678, 10.0.0.9:80')).toBe(
      '203.0.113.7',
    );
  });

  it('stops at a hop that is not an address: nothing left of it is believed', () => {
    expect(addresses.resolve('10.1.2.3', '198.51.100.99, not-an-address')).toBe('10.1.2.3');
    expect(addresses.resolve('10.1.2.3', '198.51.100.99, 10.0.0.5, garbage')).toBe('10.1.2.3');
  });
});
