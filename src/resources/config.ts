// What an operator may tune about the rules themselves (SPEC §3–§5).

import { kindNames } from '../rules/catalogue.js';

export interface RulesConfig {
  /** The kinds checked; requests for others are allowed untouched. */
  kinds: readonly string[];
  /** Filled into an EgressGateway that has no spec.nodeSelector. */
  defaultNodeSelector: Readonly<Record<string, string>>;
  /** Filled into an EgressGatewayPolicy that has no spec.destinationCIDRs. */
  defaultDestinationCIDRs: readonly string[];
  /** DELETE of a gateway that policies still name. */
  deleteInUse: 'deny' | 'warn';
  /** A reference that could not be checked (cache not synced and the live lookup failed). */
  uncheckedReference: 'allow' | 'deny';
  /** Fields the schema does not know: deny (typos) or warn (a newer platform added them). */
  unknownFields: 'deny' | 'warn';
}

export const defaultRulesConfig: RulesConfig = {
  kinds: kindNames,
  // Deckhouse's docs label egress nodes so; node-role.deckhouse.io/* is reserved (an unknown one raises an alert).
  defaultNodeSelector: { 'dedicated/egress': '' },
  defaultDestinationCIDRs: ['0.0.0.0/0'],
  deleteInUse: 'deny',
  uncheckedReference: 'allow',
  unknownFields: 'deny',
};
