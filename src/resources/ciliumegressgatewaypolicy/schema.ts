import { labelSelectorSchema } from '../label-selector-schema.js';
import { resourceSchema, type SchemaNode } from '../schema.js';

// cilium.io/v2 CiliumEgressGatewayPolicy, the union of the fields of Cilium 1.14 to 1.20 (see the README):
// selectors[].nodeSelector appeared in 1.16-1.18 CRDs, egressGateways[] in 1.20. Which fields are required is
// left to the rules, so that the message says what to write.

const gatewaySchema: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  properties: {
    nodeSelector: labelSelectorSchema,
    interface: { type: 'string' },
    egressIP: { type: 'string' },
  },
};

export const ciliumEgressGatewayPolicySchema: SchemaNode = resourceSchema(
  {
    selectors: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { podSelector: labelSelectorSchema, namespaceSelector: labelSelectorSchema, nodeSelector: labelSelectorSchema },
      },
    },
    destinationCIDRs: { type: 'array', items: { type: 'string' } },
    excludedCIDRs: { type: 'array', items: { type: 'string' } },
    egressGateway: gatewaySchema,
    egressGateways: { type: 'array', items: gatewaySchema },
  },
  [],
);
