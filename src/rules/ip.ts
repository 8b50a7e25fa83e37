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

/** A hex group of one to four digits, as a number; undefined otherwise. */
function hexGroup(text: string, from: number, to: number): number | undefined {
  if (to <= from || to - from > 4) return undefined;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return undefined;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The eight 16-bit groups of an IPv6 address as Go's netip reads it (hex groups of at most four digits, one
 * "::" for one or more zero groups, a dotted quad in the last 32 bits, no zone); undefined otherwise. By hand,
 * like ipv4Value: a policy may list thousands of addresses.
 */
function ipv6Groups(text: string): number[] | undefined {
  const ellipsis = text.indexOf('::');
  if (ellipsis >= 0 && text.indexOf('::', ellipsis + 1) >= 0) return undefined;
  const parse = (part: string, last: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    let from = 0;
    for (;;) {
      const colon = part.indexOf(':', from);
      const to = colon < 0 ? part.length : colon;
      if (colon < 0 && last && part.indexOf('.', from) >= 0) {
        const v4 = ipv4Value(part.slice(from));
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
        return out;
      }
      const g = hexGroup(part, from, to);
      if (g === undefined) return undefined;
      out.push(g);
      if (colon < 0) return out;
      from = colon + 1;
    }
  };
  if (ellipsis < 0) {
    const groups = parse(text, true);
    return groups?.length === 8 ? groups : undefined;
  }
  const head = parse(text.slice(0, ellipsis), false);
  const tail = parse(text.slice(ellipsis + 2), true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text: lower-case hex without leading zeros, the longest run (the first of equals) of two or more zero groups as "::". */
function ipv6Text(groups: readonly number[]): string {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  return bestAt < 0 ? hex(0, 8) : `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

function ipv6Value(groups: readonly number[]): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i += 2) v = (v << 32n) | BigInt(groups[i]! * 65536 + groups[i + 1]!);
  return v;
}

export function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

export function parseIP(text: string): IP | undefined {
  const v4 = ipv4Value(text);
  // Without leading zeros the text is already canonical.
  if (v4 !== undefined) return { family: 4, value: BigInt(v4), canonical: text };
  if (!text.includes(':')) return undefined;
  const groups = ipv6Groups(text);
  if (!groups) return undefined;
  return { family: 6, value: ipv6Value(groups), canonical: ipv6Text(groups) };
}

export function formatIP(family: Family, value: bigint): string {
  if (family === 6) {
    const hex = value.toString(16).padStart(32, '0');
    const groups: number[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(Number.parseInt(hex.slice(i, i + 4), 16));
    return ipv6Text(groups);
  }
  return dotted(Number(value));
}

const masks: Record<Family, bigint[]> = { 4: [], 6: [] };
for (const family of [4, 6] as const) {
  const bits = BigInt(bitsOf(family));
  for (let p = 0; p <= bitsOf(family); p++) masks[family].push(((1n << bits) - 1n) ^ ((1n << (bits - BigInt(p))) - 1n));
}

/** The network mask of a prefix length: looked up, not computed, as it is needed per CIDR and per comparison. */
export function maskOf(family: Family, prefix: number): bigint {
  return masks[family][prefix]!;
}

const dotted = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

export function parseCIDR(text: string): CIDRParse {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = parseIP(text);
    return ip ? { kind: 'address', ip } : { kind: 'invalid' };
  }
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const v4 = ipv4Value(addressText);
  // Masked and printed from the parsed parts: no BigInt arithmetic but the one value per CIDR.
  if (v4 !== undefined) {
    if (!prefixRe.test(prefixText) || Number(prefixText) > 32) return { kind: 'bad-prefix', family: 4, maxPrefix: 32 };
    const prefix = Number(prefixText);
    const network = prefix === 0 ? 0 : (v4 & (0xffffffff << (32 - prefix))) >>> 0;
    return { kind: 'cidr', cidr: { family: 4, network: BigInt(network), prefix, hostBits: network !== v4, canonical: `${dotted(network)}/${prefix}` } };
  }
  const groups = addressText.includes(':') ? ipv6Groups(addressText) : undefined;
  if (!groups) return { kind: 'invalid' };
  if (!prefixRe.test(prefixText) || Number(prefixText) > 128) return { kind: 'bad-prefix', family: 6, maxPrefix: 128 };
  const prefix = Number(prefixText);
  let hostBits = false;
  const masked = groups.map((g, i) => {
    const keep = Math.min(16, Math.max(0, prefix - i * 16));
    const m = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    if ((g & m) !== g) hostBits = true;
    return g & m;
  });
  return { kind: 'cidr', cidr: { family: 6, network: ipv6Value(masked), prefix, hostBits, canonical: `${ipv6Text(masked)}/${prefix}` } };
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
