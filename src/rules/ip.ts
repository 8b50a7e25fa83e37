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
}

export type CIDRParse =
  | { kind: 'cidr'; cidr: CIDR }
  | { kind: 'address'; ip: IP }
  | { kind: 'bad-prefix'; family: Family; maxPrefix: number }
  | { kind: 'invalid' };

/**
 * A dotted quad as Go's netip reads it (four decimal octets 0-255, no leading zeros), as a 32-bit number;
 * undefined otherwise. Reads text[from, to), so a CIDR's address needs no string of its own. By hand: it runs for
 * every address of every review.
 */
function ipv4Value(text: string, from = 0, to = text.length): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
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
/**
 * A prefix length as Go reads it: decimal digits, no leading zero, no sign or space; -1 otherwise. Three digits at
 * most, so the value stays small; the caller checks it against the family's width.
 */
function prefixValue(text: string, from: number): number {
  const digits = text.length - from;
  if (digits < 1 || digits > 3 || (digits > 1 && text.charCodeAt(from) === 48)) return -1;
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

export function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

/** One to four hex digits, as a number; undefined otherwise. */
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

/** The colon-separated groups of one side of "::"; a dotted quad may end the address. */
function groupsOf(text: string, from: number, to: number, last: boolean, out: number[]): boolean {
  if (from === to) return true;
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && text.charCodeAt(i) !== 58 /* : */) continue;
    if (last && i === to && text.lastIndexOf('.', to - 1) >= start) {
      const v4 = ipv4Value(text, start, to);
      if (v4 === undefined) return false;
      out.push(v4 >>> 16, v4 & 0xffff);
    } else {
      const g = hexGroup(text, start, i);
      if (g === undefined) return false;
      out.push(g);
    }
    start = i + 1;
  }
  return true;
}

/**
 * The eight 16-bit groups of an IPv6 address as RFC 4291 writes them (at most one "::", a dotted quad only at
 * the end, no zone); undefined otherwise. By hand, as IPv4 is: it runs for every address of every review, and
 * the property tests hold it to the ip-address package's answers.
 */
function ipv6Groups(text: string): number[] | undefined {
  const gap = text.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap < 0) {
    if (!groupsOf(text, 0, text.length, true, head) || head.length !== 8) return undefined;
    return head;
  }
  if (text.indexOf('::', gap + 1) >= 0) return undefined;
  if (!groupsOf(text, 0, gap, false, head) || !groupsOf(text, gap + 2, text.length, true, tail)) return undefined;
  const zeros = 8 - head.length - tail.length;
  if (zeros < 1) return undefined;
  return [...head, ...new Array<number>(zeros).fill(0), ...tail];
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups (the first of equals) as "::". */
function formatGroups(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  // Built in one pass: it runs for every IPv6 address of a review.
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i !== best + bestLen) s += ':';
    s += groups[i]!.toString(16);
  }
  return s;
}

/** The 128-bit value: four 32-bit parts, so four BigInts instead of sixteen. */
function groupsValue(g: readonly number[]): bigint {
  const part = (i: number) => BigInt(g[i]! * 65536 + g[i + 1]!);
  return (part(0) << 96n) | (part(2) << 64n) | (part(4) << 32n) | part(6);
}

export function parseIP(text: string): IP | undefined {
  const v4 = ipv4Value(text);
  // Without leading zeros the text is already canonical.
  if (v4 !== undefined) return { family: 4, value: BigInt(v4), canonical: text };
  if (!text.includes(':')) return undefined;
  const groups = ipv6Groups(text);
  return groups && { family: 6, value: groupsValue(groups), canonical: formatGroups(groups) };
}

export function formatIP(family: Family, value: bigint): string {
  if (family === 6) {
    const groups: number[] = [];
    for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
    return formatGroups(groups);
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
  const prefix = prefixValue(text, slash + 1);
  const v4 = ipv4Value(text, 0, slash);
  // Masked from the parsed parts: no BigInt arithmetic but the one value per CIDR, and no text (cidrText makes it
  // when a message needs it).
  if (v4 !== undefined) {
    if (prefix < 0 || prefix > 32) return { kind: 'bad-prefix', family: 4, maxPrefix: 32 };
    const network = prefix === 0 ? 0 : (v4 & (0xffffffff << (32 - prefix))) >>> 0;
    return { kind: 'cidr', cidr: { family: 4, network: BigInt(network), prefix, hostBits: network !== v4 } };
  }
  const addressText = text.slice(0, slash);
  const groups = addressText.includes(':') ? ipv6Groups(addressText) : undefined;
  if (!groups) return { kind: 'invalid' };
  if (prefix < 0 || prefix > 128) return { kind: 'bad-prefix', family: 6, maxPrefix: 128 };
  let hostBits = false;
  const masked = groups.map((g, i) => {
    const keep = Math.min(16, Math.max(0, prefix - i * 16));
    const m = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    if ((g & m) !== g) hostBits = true;
    return g & m;
  });
  return { kind: 'cidr', cidr: { family: 6, network: groupsValue(masked), prefix, hostBits } };
}

/** network/prefix in canonical text: dotted quad, or RFC 5952 for IPv6. */
export function cidrText(c: CIDR): string {
  return `${formatIP(c.family, c.network)}/${c.prefix}`;
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
