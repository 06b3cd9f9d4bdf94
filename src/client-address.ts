import { BlockList, isIP } from 'node:net';

/**
 * Who is calling, for the per-client failed-login budget and for X-Forwarded-For towards Foreman.
 * Behind a proxy every caller shares the proxy's address, so a trusted proxy's X-Forwarded-For is
 * read the way Rails' RemoteIp reads it: from the right, skipping trusted proxies, the first
 * address that is not one of them.
 */
export class ClientAddresses {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  /** `trustedProxies`: addresses or CIDR ranges (validated by the configuration). */
  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [address = '', prefix] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.#trusted.addAddress(address, type);
      else this.#trusted.addSubnet(address, Number(prefix), type);
    }
    this.#any = trustedProxies.length > 0;
  }

  /**
   * The caller's address, given the socket's peer and the X-Forwarded-For header. A hop may carry
   * a port (`203.0.113.7:5678`, `[2001:db8::1]:443`), as some proxies append it; a hop that is not
   * an address at all ends the walk at the last trusted one, so a client can never make the
   * gateway skip past what a trusted proxy appended and pick its own address.
   */
  resolve(peer: string | undefined, forwardedFor: string | undefined): string {
    let address = normalise(peer ?? '') || 'unknown';
    if (!this.#any || !forwardedFor || !this.#isTrusted(address)) return address;
    const hops = forwardedFor.split(',');
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = normalise(withoutPort((hops[index] as string).trim()));
      if (isIP(hop) === 0) break;
      address = hop;
      if (!this.#isTrusted(address)) break;
    }
    return address;
  }

  /** Whether the socket's peer is a trusted proxy (whose forwarded headers are believed). */
  trusts(peer: string | undefined): boolean {
    return this.#any && this.#isTrusted(normalise(peer ?? ''));
  }

  #isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `203.0.113.7:5678` → `203.0.113.7`, `[2001:db8::1]:443` → `2001:db8::1`; a bare address as is. */
function withoutPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1] as string;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4 ? (v4[1] as string) : hop;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
