import type { KindDescriptor } from '../kind.js';
import { ciliumEgressGatewayPolicySchema } from './schema.js';
import { validateCiliumEgressGatewayPolicy } from './validate.js';

// Cilium's own policy, for clusters that run plain Cilium (or write these by hand next to Deckhouse's).
export const ciliumEgressGatewayPolicy: KindDescriptor = {
  group: 'cilium.io',
  version: 'v2',
  kind: 'CiliumEgressGatewayPolicy',
  plural: 'ciliumegressgatewaypolicies',
  schema: ciliumEgressGatewayPolicySchema,
  defaults: () => [],
  validateWrite: validateCiliumEgressGatewayPolicy,
  references: [],
  reads: ['nodes', 'agents'],
};
