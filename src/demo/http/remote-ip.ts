import { isIP } from 'node:net';

/**
 * Rails' ActionDispatch::RemoteIp (actionpack 6.1, GetIp#calculate_ip) with Foreman's trusted
 * proxies: `config.action_dispatch.trusted_proxies` defaults to 127.0.0.1/8 and ::1 only
 * (config/application.rb), which replaces Rails' private-network list.
 */

/** The inputs Rack hands to RemoteIp: REMOTE_ADDR and the two forwarding headers. */
export interface RemoteIpSource {
  /** The TCP peer, as Puma puts it in REMOTE_ADDR. */
  remoteAddr: string;
  /** `Client-Ip`, repeated headers joined with commas. */
  clientIp?: string;
  /** `X-Forwarded-For`, repeated headers joined with commas. */
  forwardedFor?: string;
}

export type RemoteIpResult = { ok: true; ip: string } | { ok: false; spoofMessage: string };

/**
 * request.remote_ip. X-Forwarded-For and Client-Ip are read whatever the peer is, exactly as
 * Rails does (Foreman's own comment in config/application.rb admits untrusted forwarded addresses
 * count): the candidates, nearest hop first, are the forwarded addresses right to left, then
 * Client-Ip, then REMOTE_ADDR, and the first one that is not a trusted proxy wins. When all are
 * trusted, the furthest forwarded address (else REMOTE_ADDR) is taken. Entries that are not a
 * single IP address are ignored. A Client-Ip that X-Forwarded-For does not contain is Rails'
 * IpSpoofAttackError.
 */
export function remoteIp(source: RemoteIpSource): RemoteIpResult {
  const remoteAddr = validIps(source.remoteAddr).at(-1) ?? null;
  const clientIps = validIps(source.clientIp).reverse();
  const forwardedIps = validIps(source.forwardedFor).reverse();
  const claimedClient = clientIps.at(-1);
  if (claimedClient !== undefined && forwardedIps.length > 0) {
    if (!forwardedIps.includes(claimedClient)) {
      return {
        ok: false,
        spoofMessage: `IP spoofing attack?! HTTP_CLIENT_IP=${inspect(source.clientIp)} HTTP_X_FORWARDED_FOR=${inspect(source.forwardedFor)}`,
      };
    }
  }
  const ips = [...forwardedIps, ...clientIps];
  const candidates = remoteAddr === null ? ips : [...ips, remoteAddr];
  const untrusted = candidates.find((ip) => !isTrustedProxy(ip));
  return { ok: true, ip: untrusted ?? ips.at(-1) ?? remoteAddr ?? source.remoteAddr };
}

/**
 * Foreman's default trusted proxies: 127.0.0.0/8 and ::1. Ruby's IPAddr#include? compares an
 * IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it carries.
 */
export function isTrustedProxy(ip: string): boolean {
  const address = bareAddress(ip);
  if (isIP(address) === 4) return address.startsWith('127.');
  const canonical = isIP(address) === 6 ? canonicalIpv6(address) : null;
  const mapped = canonical ? /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(canonical) : null;
  if (mapped?.[1]) return Number.parseInt(mapped[1], 16) >> 8 === 127;
  return canonical === '::1';
}

/**
 * The header split on commas and whitespace, keeping what IPAddr.new accepts as one address:
 * plain IPv4/IPv6, bracketed IPv6, or a prefix that leaves a single address (/32, /128).
 */
function validIps(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .trim()
    .split(/[,\s]+/)
    .filter((entry) => entry !== '' && isSingleAddress(entry));
}

function isSingleAddress(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (address === undefined || rest.length > 0) return false;
  const family = isIP(bareAddress(address));
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) === (family === 4 ? 32 : 128);
}

function bareAddress(entry: string): string {
  const address = entry.split('/')[0] ?? entry;
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/** The WHATWG URL parser's canonical IPv6 form ("0:0::1" becomes "::1"). */
function canonicalIpv6(address: string): string | null {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/** String#inspect of a header value (nil when absent). */
function inspect(value: string | undefined): string {
  return value === undefined ? 'nil' : JSON.stringify(value);
}
