import { bitsOf, type CIDR, type Family, formatIP, parseCIDR } from './ip.js';

// Sets of addresses as the data path sees them: destinations minus exclusions, per family, written back as the
// fewest CIDRs. Work is bounded: sorting the inputs (n log n), then at most 2·bits CIDRs per remaining range, and
// the output is cut at `max` entries with a count of what was left out.

interface Range {
  start: bigint;
  end: bigint; // inclusive
}

const rangeOf = (c: CIDR): Range => ({ start: c.network, end: c.network + (1n << BigInt(bitsOf(c.family) - c.prefix)) - 1n });

/** Sorted, overlapping and adjacent ranges merged. */
function merge(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}

/** Both inputs merged; a linear sweep. */
function subtract(from: Range[], remove: Range[]): Range[] {
  const out: Range[] = [];
  let j = 0;
  for (const r of from) {
    let start = r.start;
    while (j < remove.length && remove[j]!.end < start) j++;
    let k = j;
    while (k < remove.length && remove[k]!.start <= r.end) {
      const x = remove[k]!;
      if (x.start > start) out.push({ start, end: x.start - 1n });
      if (x.end + 1n > start) start = x.end + 1n;
      if (x.end >= r.end) break;
      k++;
    }
    if (start <= r.end) out.push({ start, end: r.end });
  }
  return out;
}

/** The fewest CIDRs covering exactly one range, calling `emit` for each; stops when it returns false. */
function cidrsOf(family: Family, r: Range, emit: (c: string) => boolean): boolean {
  const bits = bitsOf(family);
  let start = r.start;
  while (start <= r.end) {
    // The largest block aligned at `start` that stays within the range.
    let size = bits;
    while (size > 0 && (start & ((1n << BigInt(size)) - 1n)) !== 0n) size--;
    while (size > 0 && start + (1n << BigInt(size)) - 1n > r.end) size--;
    if (!emit(`${formatIP(family, start)}/${bits - size}`)) return false;
    start += 1n << BigInt(size);
  }
  return true;
}

export interface CIDRSetDifference {
  /** Destinations minus exclusions, IPv4 first, each family in address order, at most `max`. */
  cidrs: string[];
  /** How many more CIDRs the difference has beyond `max`. */
  more: number;
  /** Entries that are not CIDRs (the rules deny them; the data path never sees them). */
  skipped: string[];
}

/**
 * `destinations` minus `excluded`, as CIDR texts. A CIDR with host bits set counts as its network, as Go's
 * net.ParseCIDR reads it; entries that are not CIDRs are skipped.
 */
export function cidrDifference(destinations: readonly unknown[], excluded: readonly unknown[], max = 64): CIDRSetDifference {
  const skipped: string[] = [];
  const byFamily = (list: readonly unknown[]) => {
    const out: Record<Family, Range[]> = { 4: [], 6: [] };
    for (const text of list) {
      const p = typeof text === 'string' ? parseCIDR(text) : undefined;
      if (p?.kind === 'cidr') out[p.cidr.family].push(rangeOf(p.cidr));
      else skipped.push(typeof text === 'string' ? text : JSON.stringify(text));
    }
    return out;
  };
  const dest = byFamily(destinations);
  const excl = byFamily(excluded);
  const cidrs: string[] = [];
  let more = 0;
  const emit = (c: string) => {
    if (cidrs.length < max) cidrs.push(c);
    else more++;
    return true;
  };
  for (const family of [4, 6] as const) {
    for (const r of subtract(merge(dest[family]), merge(excl[family]))) cidrsOf(family, r, emit);
  }
  return { cidrs, more, skipped };
}
