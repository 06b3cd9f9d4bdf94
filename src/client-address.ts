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

  /** The caller's address, given the socket's peer and the X-Forwarded-For header. */
  resolve(peer: string | undefined, forwardedFor: string | undefined): string {
    let address = normalise(peer ?? '') || 'unknown';
    if (!this.#any || !forwardedFor || !this.#isTrusted(address)) return address;
    const hops = forwardedFor
      .split(',')
      .map((hop) => normalise(hop.trim()))
      .filter((hop) => isIP(hop) !== 0);
    for (let index = hops.length - 1; index >= 0; index--) {
      address = hops[index] as string;
      if (!this.#isTrusted(address)) break;
    }
    return address;
  }

  #isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
