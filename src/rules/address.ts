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
    if (bare) return { problem: `must be a single address without a prefix length; did you mean ${JSON.stringify(plainText(bare))}?` };
    return { problem: `must be an IPv4 or IPv6 address, e.g. ${JSON.stringify(opts.example)}` };
  }
  // Go reads ::ffff:a.b.c.d as the IPv4 address a.b.c.d: in that spelling the checks below (special ranges, in use,
  // a node's address) would compare an IPv6 address and let the IPv4 one through.
  const v4 = mappedIPv4(ip);
  if (v4 !== undefined) return { problem: `is the IPv4 address ${v4} in IPv4-mapped IPv6 form; did you mean ${JSON.stringify(v4)}?` };
  const special = specialAddressKind(ip);
  if (special) return { problem: `must not be ${special}; ${opts.instead}` };
  return { ip };
}

/** The IPv4 address an IPv4-mapped IPv6 address (::ffff:0:0/96) stands for, as text; undefined for any other. */
export function mappedIPv4(ip: IP): string | undefined {
  return ip.family === 6 && ip.value >> 32n === 0xffffn ? formatIP(4, ip.value & 0xffffffffn) : undefined;
}

/** The text to suggest for an address: its IPv4 form when it is IPv4-mapped, else its canonical text. */
const plainText = (ip: IP) => mappedIPv4(ip) ?? ip.canonical;
