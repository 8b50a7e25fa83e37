import { type ErrorList, type FieldError, invalid, maxBuiltErrors } from './field.js';
import { mappedIPv4 } from './address.js';
import { type CIDR, type CIDRParse, cidrContains, cidrText, type Family, parseCIDR, parseIP } from './ip.js';
import type { FieldPath } from './path.js';

export interface ListedCIDR {
  index: number;
  text: string;
  cidr: CIDR;
}

export const familyName = (f: Family) => (f === 4 ? 'IPv4' : 'IPv6');

/**
 * One CIDR entry: a well-formed IPv4 or IPv6 network with the host bits zero.
 * Returns the parsed network, or the field error that tells the fix.
 */
export function checkCIDR(path: FieldPath, text: string): { cidr: CIDR } | { error: FieldError } {
  const p = parseCIDR(text);
  const error = cidrError(path, text, p);
  return error ? { error } : { cidr: (p as { cidr: CIDR }).cidr };
}

/**
 * The IPv4 network an entry written as ::ffff:a.b.c.d/n stands for: n - 96 bits of it when n is at least 96, else
 * n as the IPv4 prefix the writer most likely meant. Go keeps such a prefix IPv6, and no IPv4 packet matches it.
 */
function mappedNetwork(text: string, p: CIDRParse): { meant?: string } | undefined {
  if (p.kind !== 'cidr' || p.cidr.family !== 6) return undefined;
  const ip = parseIP(text.slice(0, text.indexOf('/')));
  const v4 = ip && mappedIPv4(ip);
  if (v4 === undefined) return undefined;
  const n = p.cidr.prefix;
  const prefix = n >= 96 ? n - 96 : n <= 32 ? n : undefined;
  const masked = prefix === undefined ? undefined : parseCIDR(`${v4}/${prefix}`);
  return masked?.kind === 'cidr' ? { meant: cidrText(masked.cidr) } : {};
}

/** The field error of a parsed entry, or undefined when it is a valid network. */
function cidrError(path: FieldPath, text: string, p: CIDRParse): FieldError | undefined {
  const fail = (detail: string) => invalid(path, text, detail);
  const mapped = mappedNetwork(text, p);
  if (mapped) {
    const fix = mapped.meant ? `did you mean ${JSON.stringify(mapped.meant)}?` : 'write it as an IPv4 CIDR, e.g. "10.0.0.0/8"';
    return fail(`is an IPv4 network in IPv4-mapped IPv6 form, which no IPv4 packet matches; ${fix}`);
  }
  switch (p.kind) {
    case 'cidr':
      return p.cidr.hostBits ? fail(`host bits must be zero; did you mean ${JSON.stringify(cidrText(p.cidr))}?`) : undefined;
    case 'address': {
      // An IPv4-mapped address: the IPv4 host route, not a /128 the next answer refuses as mapped.
      const v4 = mappedIPv4(p.ip);
      const meant = v4 !== undefined ? `${v4}/32` : `${p.ip.canonical}/${p.ip.family === 4 ? 32 : 128}`;
      return fail(`must be a CIDR with a prefix length; did you mean ${JSON.stringify(meant)}?`);
    }
    case 'bad-prefix':
      return fail(`prefix length must be a number from 0 to ${p.maxPrefix} for an ${familyName(p.family)} CIDR`);
    case 'invalid':
      return fail('must be an IPv4 or IPv6 CIDR, e.g. "10.0.0.0/8" or "2001:db8::/32"');
  }
}

/** Checks every string entry of a list: the valid ones with their index, and the errors of the others. */
export function checkCIDRList(path: FieldPath, list: unknown): { valid: ListedCIDR[]; errors: ErrorList } {
  const valid: ListedCIDR[] = [];
  const errors: ErrorList = [];
  if (!Array.isArray(list)) return { valid, errors };
  list.forEach((text, index) => {
    if (typeof text !== 'string') return;
    // The path and the message only for an entry in error, and only for the errors an answer can show.
    const p = parseCIDR(text);
    if (p.kind === 'cidr' && !p.cidr.hostBits && (p.cidr.family === 4 || !mappedNetwork(text, p))) valid.push({ index, text, cidr: p.cidr });
    else if (errors.length >= maxBuiltErrors) errors.unbuilt = (errors.unbuilt ?? 0) + 1;
    else errors.push(cidrError(path.index(index), text, p)!);
  });
  return { valid, errors };
}

export interface CIDRRelation {
  kind: 'duplicate' | 'nested';
  /** The entry that has no effect. */
  entry: ListedCIDR;
  /** The earlier or wider entry that makes it redundant. */
  other: ListedCIDR;
}

/** Entries sorted for a sweep: by family, network, then prefix (wider first), each with its first address past the end. */
interface Sorted {
  item: ListedCIDR;
  /** Position in the list as given. */
  at: number;
  end: bigint;
}

const endOf = (c: CIDR): bigint => c.network + (1n << BigInt((c.family === 4 ? 32 : 128) - c.prefix));

function sortedForSweep(list: readonly ListedCIDR[]): Sorted[] {
  const out = list.map((item, at) => ({ item, at, end: endOf(item.cidr) }));
  out.sort((a, b) => {
    const x = a.item.cidr;
    const y = b.item.cidr;
    if (x.family !== y.family) return x.family - y.family;
    if (x.network !== y.network) return x.network < y.network ? -1 : 1;
    return x.prefix - y.prefix || a.at - b.at;
  });
  return out;
}

const sameNetwork = (a: CIDR, b: CIDR) => a.family === b.family && a.network === b.network && a.prefix === b.prefix;

/**
 * Duplicates (the later one is reported, naming the first) and entries that lie inside another entry of the
 * same list (naming the first such entry in list order), in list order. One sort and one sweep: CIDRs either
 * nest or do not overlap, so in (network, prefix) order the entries containing the current one are exactly
 * the chain of open ones on a stack.
 */
export function redundantEntries(list: readonly ListedCIDR[], scanUpTo = CIDRIndex.scanUpTo): CIDRRelation[] {
  if (list.length <= scanUpTo) return redundantByScan(list);
  const sorted = sortedForSweep(list);
  const found: (CIDRRelation | undefined)[] = new Array(list.length);
  // The chain of distinct networks containing the current one; `first` is the smallest list position of the
  // frame's own entries, `firstOuter` the smallest over the frame and the frames below it.
  const stack: { end: bigint; family: number; first: number; firstOuter: number }[] = [];
  for (let g = 0; g < sorted.length; ) {
    // One group: the entries equal to sorted[g].
    let h = g + 1;
    while (h < sorted.length && sameNetwork(sorted[h]!.item.cidr, sorted[g]!.item.cidr)) h++;
    const head = sorted[g]!;
    let first = head.at;
    for (let k = g + 1; k < h; k++) first = Math.min(first, sorted[k]!.at);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.family === head.item.cidr.family && head.item.cidr.network < top.end) break;
      stack.pop();
    }
    const outer = stack.length > 0 ? stack[stack.length - 1]!.firstOuter : -1;
    for (let k = g; k < h; k++) {
      const { item, at } = sorted[k]!;
      if (at !== first) found[at] = { kind: 'duplicate', entry: item, other: list[first]! };
      else if (outer >= 0) found[at] = { kind: 'nested', entry: item, other: list[outer]! };
    }
    stack.push({ end: head.end, family: head.item.cidr.family, first, firstOuter: outer >= 0 ? Math.min(outer, first) : first });
    g = h;
  }
  return found.filter((r): r is CIDRRelation => r !== undefined);
}

/** The same answers for a short list, by comparing every pair: cheaper than sorting for a few entries. */
function redundantByScan(list: readonly ListedCIDR[]): CIDRRelation[] {
  const found: CIDRRelation[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!;
    const first = list.findIndex((other) => sameNetwork(other.cidr, entry.cidr));
    if (first < i) {
      found.push({ kind: 'duplicate', entry, other: list[first]! });
      continue;
    }
    const outer = list.find((other) => other.cidr.prefix < entry.cidr.prefix && cidrContains(other.cidr, entry.cidr));
    if (outer) found.push({ kind: 'nested', entry, other: outer });
  }
  return found;
}

/**
 * Containment questions about one list, answered in log n each after an n log n build: which entry (first in
 * list order) lies inside a given CIDR, and whether some entry contains it.
 */
export class CIDRIndex {
  private readonly byFamily = new Map<number, { sorted: Sorted[]; maxEnd: bigint[]; minAt: Int32Array[] }>();
  /** Lists this short are scanned instead: building the index costs more than a few comparisons. */
  static readonly scanUpTo = 8;
  private readonly scan: boolean;

  /** `scanUpTo`: the longest list answered by a scan (tests set it to compare both ways). */
  constructor(
    private readonly list: readonly ListedCIDR[],
    scanUpTo = CIDRIndex.scanUpTo,
  ) {
    this.scan = list.length <= scanUpTo;
    if (this.scan) return;
    const sorted = sortedForSweep(list);
    for (const family of [4, 6]) {
      const part = sorted.filter((s) => s.item.cidr.family === family);
      const maxEnd: bigint[] = [];
      for (let i = 0; i < part.length; i++) maxEnd.push(i === 0 || part[i]!.end > maxEnd[i - 1]! ? part[i]!.end : maxEnd[i - 1]!);
      // Sparse table of the smallest list position over each run of 2^k sorted entries.
      const minAt: Int32Array[] = [Int32Array.from(part, (s) => s.at)];
      for (let k = 1; 1 << k <= part.length; k++) {
        const prev = minAt[k - 1]!;
        const row = new Int32Array(part.length - (1 << k) + 1);
        for (let i = 0; i < row.length; i++) row[i] = Math.min(prev[i]!, prev[i + (1 << (k - 1))]!);
        minAt.push(row);
      }
      this.byFamily.set(family, { sorted: part, maxEnd, minAt });
    }
  }

  /** Index in the sorted part of the first entry not before (network, prefix). */
  private static lowerBound(sorted: readonly Sorted[], network: bigint, prefix: number): number {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = sorted[mid]!.item.cidr;
      if (c.network < network || (c.network === network && c.prefix < prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first entry in list order that lies inside `outer` (equal counts as inside). */
  firstInside(outer: CIDR): ListedCIDR | undefined {
    if (this.scan) return this.list.find((d) => cidrContains(outer, d.cidr));
    const part = this.byFamily.get(outer.family)!;
    const lo = CIDRIndex.lowerBound(part.sorted, outer.network, outer.prefix);
    const hi = CIDRIndex.lowerBound(part.sorted, endOf(outer), 0);
    if (lo >= hi) return undefined;
    const k = 31 - Math.clz32(hi - lo);
    const at = Math.min(part.minAt[k]![lo]!, part.minAt[k]![hi - (1 << k)]!);
    return this.list[at];
  }

  /** Whether some entry contains `inner` (equal counts). */
  someContains(inner: CIDR): boolean {
    if (this.scan) return this.list.some((d) => cidrContains(d.cidr, inner));
    const part = this.byFamily.get(inner.family)!;
    // Entries at or before inner's network; aligned ranges nest or are apart, so one reaching inner's end contains it.
    const n = CIDRIndex.lowerBound(part.sorted, inner.network + 1n, 0);
    return n > 0 && part.maxEnd[n - 1]! >= endOf(inner);
  }
}
