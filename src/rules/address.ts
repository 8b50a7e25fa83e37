import { type IP, formatIP, parseIP, specialAddressKind } from './ip.js';

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
  // Go reads ::ffff:a.b.c.d as the IPv4 address a.b.c.d: in that spelling the checks below (special ranges, in use,
  // a node's address) would compare an IPv6 address and let the IPv4 one through.
  if (ip.family === 6 && ip.value >> 32n === 0xffffn) {
    const v4 = formatIP(4, ip.value & 0xffffffffn);
    return { problem: `is the IPv4 address ${v4} in IPv4-mapped IPv6 form; did you mean ${JSON.stringify(v4)}?` };
  }
  const special = specialAddressKind(ip);
  if (special) return { problem: `must not be ${special}; ${opts.instead}` };
  return { ip };
}
