import type { GatewayInfo } from '../cluster/state.js';
import { type ListedCIDR, familyName, redundantEntries } from '../rules/cidrs.js';
import type { Findings } from '../rules/findings.js';
import { cidrContains, type IP, parseIP } from '../rules/ip.js';

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
  for (const e of excluded) {
    // An equal destination counts as covered: excluding all of it is the likelier mistake.
    const covered = destinations.find((d) => cidrContains(e.cidr, d.cidr));
    if (covered) {
      f.warn('excluded-covers-destination', `${excl}[${e.index}] ${e.text} covers all of destination ${covered.text}, which then routes nothing`);
    } else if (!destinations.some((d) => cidrContains(d.cidr, e.cidr))) {
      f.warn('excluded-outside', `${excl}[${e.index}] ${e.text} is outside every destination CIDR, so Cilium ignores it`);
    }
  }
}

/** A source address of one family cannot source traffic to destinations of the other. */
export function familyWarnings(destinations: readonly ListedCIDR[], source: IP, describeSource: string, f: Findings): void {
  for (const d of destinations) {
    if (d.cidr.family === source.family) continue;
    f.warn('family-mismatch', `${dest}[${d.index}] ${d.text} is ${familyName(d.cidr.family)}, but ${describeSource}`);
  }
}

/** The gateway's virtual IP against the policy's destinations. */
export function gatewayFamilyWarnings(destinations: readonly ListedCIDR[], gateway: GatewayInfo, f: Findings): void {
  if (gateway.mode !== 'VirtualIPAddress' || !gateway.virtualIP) return;
  const vip = parseIP(gateway.virtualIP);
  if (!vip) return;
  familyWarnings(destinations, vip, `gateway ${gateway.name} has ${familyName(vip.family)} virtual IP ${vip.canonical}`, f);
}
