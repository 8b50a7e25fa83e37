import { Address6 } from 'ip-address';

// Strict IP and CIDR parsing, as Go's net/netip parses them (the platform and Cilium are Go):
// no leading zeros, no zones, no whitespace, no prefix-length padding.

export type Family = 4 | 6;

export interface IP {
  family: Family;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 for IPv6. */
  canonical: string;
}

export interface CIDR {
  family: Family;
  /** The address as written, masked to the network. */
  network: bigint;
  prefix: number;
  /** True when the written address has bits set below the prefix. */
  hostBits: boolean;
  /** network/prefix in canonical text. */
  canonical: string;
}

export type CIDRParse =
  | { kind: 'cidr'; cidr: CIDR }
  | { kind: 'address'; ip: IP }
  | { kind: 'bad-prefix'; family: Family; maxPrefix: number }
  | { kind: 'invalid' };

/**
 * A dotted quad as Go's netip reads it (four decimal octets 0-255, no leading zeros), as a 32-bit number;
 * undefined otherwise. By hand: it runs for every address of every review.
 */
function ipv4Value(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return undefined; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}
const prefixRe = /^(0|[1-9]\d{0,2})$/;

export function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

export function parseIP(text: string): IP | undefined {
  const v4 = ipv4Value(text);
  // Without leading zeros the text is already canonical.
  if (v4 !== undefined) return { family: 4, value: BigInt(v4), canonical: text };
  // Only hex digits, colons and an embedded dotted quad; rules out zones, prefixes and spaces.
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return undefined;
  if (!Address6.isValid(text)) return undefined;
  const dotted = text.slice(text.lastIndexOf(':') + 1);
  if (dotted.includes('.') && ipv4Value(dotted) === undefined) return undefined;
  const a = new Address6(text);
  return { family: 6, value: a.bigInt(), canonical: a.correctForm() };
}

export function formatIP(family: Family, value: bigint): string {
  if (family === 6) return Address6.fromBigInt(value).correctForm();
  const n = Number(value);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function maskOf(family: Family, prefix: number): bigint {
  const bits = BigInt(bitsOf(family));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

export function parseCIDR(text: string): CIDRParse {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = parseIP(text);
    return ip ? { kind: 'address', ip } : { kind: 'invalid' };
  }
  const ip = parseIP(text.slice(0, slash));
  if (!ip) return { kind: 'invalid' };
  const prefixText = text.slice(slash + 1);
  const max = bitsOf(ip.family);
  if (!prefixRe.test(prefixText) || Number(prefixText) > max) return { kind: 'bad-prefix', family: ip.family, maxPrefix: max };
  const prefix = Number(prefixText);
  const network = ip.value & maskOf(ip.family, prefix);
  return {
    kind: 'cidr',
    cidr: {
      family: ip.family,
      network,
      prefix,
      hostBits: network !== ip.value,
      canonical: `${formatIP(ip.family, network)}/${prefix}`,
    },
  };
}

/** Whether `outer` contains every address of `inner`. */
export function cidrContains(outer: CIDR, inner: CIDR): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  return (inner.network & maskOf(outer.family, outer.prefix)) === outer.network;
}

export function cidrContainsIP(outer: CIDR, ip: IP): boolean {
  return outer.family === ip.family && (ip.value & maskOf(ip.family, outer.prefix)) === outer.network;
}

function cidr(text: string): CIDR {
  const p = parseCIDR(text);
  if (p.kind !== 'cidr') throw new Error(`bad built-in CIDR ${text}`);
  return p.cidr;
}

/** Address classes that can never be a gateway's source IP, with the words used to explain why. */
const specialRanges: { range: CIDR; what: string }[] = [
  { range: cidr('0.0.0.0/32'), what: 'the unspecified address' },
  { range: cidr('::/128'), what: 'the unspecified address' },
  { range: cidr('127.0.0.0/8'), what: 'a loopback address' },
  { range: cidr('::1/128'), what: 'a loopback address' },
  { range: cidr('224.0.0.0/4'), what: 'a multicast address' },
  { range: cidr('ff00::/8'), what: 'a multicast address' },
  { range: cidr('169.254.0.0/16'), what: 'a link-local address' },
  { range: cidr('fe80::/10'), what: 'a link-local address' },
  { range: cidr('255.255.255.255/32'), what: 'the IPv4 broadcast address' },
];

/** Why this address cannot serve as a unicast source address, or undefined when it can. */
export function specialAddressKind(ip: IP): string | undefined {
  return specialRanges.find((s) => cidrContainsIP(s.range, ip))?.what;
}
