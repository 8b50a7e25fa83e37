import type { Findings } from '../rules/findings.js';
import { FieldPath } from '../rules/path.js';

// An empty destination list, for both policy kinds alike: Cilium's agent (ParseCEGP) accepts it without an error
// and the policy then matches no destination, so it is legal but routes nothing: a warning, not a denial.

const path = FieldPath.root('spec').child('destinationCIDRs');

export function warnEmptyDestinations(destinations: unknown, f: Findings): void {
  if (Array.isArray(destinations) && destinations.length === 0) {
    f.warn('destinations-empty', 'spec.destinationCIDRs is empty, so this policy routes no traffic through the gateway; add a CIDR', path);
  }
}
