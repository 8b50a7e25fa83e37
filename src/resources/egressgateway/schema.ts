import { resourceSchema, type SchemaNode } from '../schema.js';

export const modes = ['PrimaryIPFromEgressGatewayNodeInterface', 'VirtualIPAddress'] as const;
export type Mode = (typeof modes)[number];

/** The spec.sourceIP block each mode needs. */
export const blockOfMode: Record<Mode, string> = {
  PrimaryIPFromEgressGatewayNodeInterface: 'primaryIPFromEgressGatewayNodeInterface',
  VirtualIPAddress: 'virtualIPAddress',
};

export const egressGatewaySchema: SchemaNode = resourceSchema(
  {
    nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
    sourceIP: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { type: 'string' },
        primaryIPFromEgressGatewayNodeInterface: {
          type: 'object',
          additionalProperties: false,
          required: ['interfaceName'],
          properties: { interfaceName: { type: 'string' } },
        },
        virtualIPAddress: {
          type: 'object',
          additionalProperties: false,
          required: ['ip'],
          properties: {
            ip: { type: 'string' },
            interfaces: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
  ['sourceIP'],
);
