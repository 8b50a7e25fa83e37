import { type FieldError, invalid } from './field.js';
import { type CIDR, type Family, cidrContains, parseCIDR } from './ip.js';
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
  const fail = (detail: string) => ({ error: invalid(path, text, detail) });
  const p = parseCIDR(text);
  switch (p.kind) {
    case 'cidr':
      return p.cidr.hostBits ? fail(`host bits must be zero; did you mean ${JSON.stringify(p.cidr.canonical)}?`) : { cidr: p.cidr };
    case 'address':
      return fail(`must be a CIDR with a prefix length; did you mean ${JSON.stringify(`${p.ip.canonical}/${p.ip.family === 4 ? 32 : 128}`)}?`);
    case 'bad-prefix':
      return fail(`prefix length must be a number from 0 to ${p.maxPrefix} for an ${familyName(p.family)} CIDR`);
    case 'invalid':
      return fail('must be an IPv4 or IPv6 CIDR, e.g. "10.0.0.0/8" or "2001:db8::/32"');
  }
}

/** Checks every string entry of a list: the valid ones with their index, and the errors of the others. */
export function checkCIDRList(path: FieldPath, list: unknown): { valid: ListedCIDR[]; errors: FieldError[] } {
  const valid: ListedCIDR[] = [];
  const errors: FieldError[] = [];
  if (!Array.isArray(list)) return { valid, errors };
  list.forEach((text, index) => {
    if (typeof text !== 'string') return;
    const r = checkCIDR(path.index(index), text);
    if ('error' in r) errors.push(r.error);
    else valid.push({ index, text, cidr: r.cidr });
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

/** Duplicates (the later one is reported) and entries that lie inside another entry of the same list. */
export function redundantEntries(list: readonly ListedCIDR[]): CIDRRelation[] {
  const out: CIDRRelation[] = [];
  list.forEach((entry, i) => {
    const dup = list.slice(0, i).find((o) => o.cidr.canonical === entry.cidr.canonical);
    if (dup) {
      out.push({ kind: 'duplicate', entry, other: dup });
      return;
    }
    const outer = list.find((o) => o.cidr.canonical !== entry.cidr.canonical && cidrContains(o.cidr, entry.cidr));
    if (outer) out.push({ kind: 'nested', entry, other: outer });
  });
  return out;
}


