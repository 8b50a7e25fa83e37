import { resourceSchema, type SchemaNode } from '../schema.js';

export const modes = ['PrimaryIPFromEgressGatewayNodeInterface', 'VirtualIPAddress'] as const;
export type Mode = (typeof modes)[number];

/** The spec.sourceIP block each mode needs. */
export const blockOfMode: Record<Mode, string> = {
  PrimaryIPFromEgressGatewayNodeInterface: 'primaryIPFromEgressGatewayNodeInterface',
  VirtualIPAddress: 'virtualIPAddress',
};

/**
 * The field each mode's block must hold. Checked with the mode (checkMode), not in the schema: the other mode's
 * block is refused as a whole, and a "Required value" inside it would ask for what the next answer forbids.
 */
export const fieldOfMode: Record<Mode, string> = {
  PrimaryIPFromEgressGatewayNodeInterface: 'interfaceName',
  VirtualIPAddress: 'ip',
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
          properties: { interfaceName: { type: 'string' } },
        },
        virtualIPAddress: {
          type: 'object',
          additionalProperties: false,
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
