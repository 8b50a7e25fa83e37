import { type AddOp, addIfAbsent } from '../../admission/patch.js';
import type { RulesConfig } from '../config.js';

/** SPEC §4: an absent destinationCIDRs routes everything (IPv4) by default. */
export function defaultEgressGatewayPolicy(object: Record<string, unknown>, config: RulesConfig): AddOp[] {
  const op = addIfAbsent(object, ['spec', 'destinationCIDRs'], config.defaultDestinationCIDRs);
  return op ? [op] : [];
}
