import { labelSelectorSchema } from '../label-selector-schema.js';
import { resourceSchema, type SchemaNode } from '../schema.js';

export const egressGatewayPolicySchema: SchemaNode = resourceSchema(
  {
    egressGatewayName: { type: 'string' },
    destinationCIDRs: { type: 'array', items: { type: 'string' } },
    excludedCIDRs: { type: 'array', items: { type: 'string' } },
    selectors: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['podSelector'],
        properties: { podSelector: labelSelectorSchema },
      },
    },
  },
  ['egressGatewayName'],
);
