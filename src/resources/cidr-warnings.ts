import type { GatewayInfo } from '../cluster/state.js';
import { CIDRIndex, type ListedCIDR, familyName, redundantEntries } from '../rules/cidrs.js';
import type { Findings } from '../rules/findings.js';
import type { Family, IP } from '../rules/ip.js';
import { parseIP } from '../rules/ip.js';

const dest = 'spec.destinationCIDRs';
const excl = 'spec.excludedCIDRs';

function redundancy(list: readonly ListedCIDR[], field: string, f: Findings): void {
  for (const r of redundantEntries(list)) {
    const at = `${field}[${r.entry.index}] ${r.entry.text}`;
    if (r.kind === 'duplicate') f.warn('cidr-duplicate', `${at} duplicates [${r.other.index}]; remove one`);
    else f.warn('cidr-nested', `${at} lies inside [${r.other.index}] ${r.other.text} and changes nothing; remove it`);
  }
}

/** CIDR lists that are legal but do not do what they look like they do. */
export function cidrWarnings(destinations: readonly ListedCIDR[], excluded: readonly ListedCIDR[], f: Findings): void {
  redundancy(destinations, dest, f);
  redundancy(excluded, excl, f);
  if (excluded.length === 0) return;
  const index = new CIDRIndex(destinations);
  for (const e of excluded) {
    // An equal destination counts as covered: excluding all of it is the likelier mistake.
    const covered = index.firstInside(e.cidr);
    if (covered) {
      f.warn('excluded-covers-destination', `${excl}[${e.index}] ${e.text} covers all of destination ${covered.text}, which then routes nothing`);
    } else if (!index.someContains(e.cidr)) {
      f.warn('excluded-outside', `${excl}[${e.index}] ${e.text} is outside every destination CIDR, so Cilium ignores it`);
    }
  }
}

/** A policy's destinations by family. */
export type ByFamily = Record<Family, readonly ListedCIDR[]>;

const none: readonly ListedCIDR[] = [];

/** The destinations of each family (a caller with many gateways splits once for all of them); a list of one family is not copied. */
export function byFamily(destinations: readonly ListedCIDR[]): ByFamily {
  let v4 = 0;
  for (const d of destinations) if (d.cidr.family === 4) v4++;
  if (v4 === destinations.length) return { 4: destinations, 6: none };
  if (v4 === 0) return { 4: none, 6: destinations };
  return { 4: destinations.filter((d) => d.cidr.family === 4), 6: destinations.filter((d) => d.cidr.family === 6) };
}

/**
 * A source address of one family cannot source traffic to destinations of the other. Builds only the
 * warnings an answer can show and counts the rest, so many gateways times many destinations stays cheap; the
 * source's description only when there is a warning to show.
 */
export function familyWarnings(destinations: ByFamily, source: IP, describeSource: () => string, f: Findings): void {
  const other = destinations[source.family === 4 ? 6 : 4];
  if (other.length === 0) return;
  const built = Math.min(other.length, f.warningRoom('family-mismatch'));
  const described = built > 0 ? describeSource() : '';
  for (let i = 0; i < built; i++) {
    const d = other[i]!;
    f.warn('family-mismatch', `${dest}[${d.index}] ${d.text} is ${familyName(d.cidr.family)}, but ${described}`);
  }
  f.warnUnbuilt('family-mismatch', other.length - built);
}

/** The gateway's virtual IP against the policy's destinations. */
export function gatewayFamilyWarnings(destinations: readonly ListedCIDR[], gateway: GatewayInfo, f: Findings): void {
  if (gateway.mode !== 'VirtualIPAddress' || !gateway.virtualIP) return;
  const vip = parseIP(gateway.virtualIP);
  if (!vip) return;
  familyWarnings(byFamily(destinations), vip, () => `gateway ${gateway.name} has ${familyName(vip.family)} virtual IP ${vip.canonical}`, f);
}
