import { type IP, parseIP, specialAddressKind } from './ip.js';

/**
 * A single unicast source address (a gateway's virtual IP, a Cilium egressIP): parses, carries no prefix
 * length, and is not of a class that can never source traffic. Returns the address, or the detail of the
 * Invalid value error with the fix (the caller builds the error only while its rule has room).
 */
export function checkUnicastAddress(text: string, opts: { example: string; instead: string }): { ip: IP } | { problem: string } {
  const ip = parseIP(text);
  if (!ip) {
    const bare = text.includes('/') ? parseIP(text.slice(0, text.indexOf('/'))) : undefined;
    if (bare) return { problem: `must be a single address without a prefix length; did you mean ${JSON.stringify(bare.canonical)}?` };
    return { problem: `must be an IPv4 or IPv6 address, e.g. ${JSON.stringify(opts.example)}` };
  }
  const special = specialAddressKind(ip);
  if (special) return { problem: `must not be ${special}; ${opts.instead}` };
  return { ip };
}
