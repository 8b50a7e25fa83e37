import type { RulesConfig } from '../config.js';
import type { Default } from '../kind.js';

/** SPEC §4: an absent destinationCIDRs routes everything (IPv4) by default. */
export function defaultEgressGatewayPolicy(_object: Record<string, unknown>, config: RulesConfig): Default[] {
  return [{ path: ['spec', 'destinationCIDRs'], value: config.defaultDestinationCIDRs }];
}
