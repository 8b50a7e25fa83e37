import type { KindDescriptor } from '../kind.js';
import { defaultEgressGateway } from './defaults.js';
import { egressGatewaySchema } from './schema.js';
import { validateEgressGateway, validateEgressGatewayDelete } from './validate.js';

export const egressGateway: KindDescriptor = {
  group: 'network.deckhouse.io',
  version: 'v1alpha1',
  kind: 'EgressGateway',
  plural: 'egressgateways',
  schema: egressGatewaySchema,
  defaults: defaultEgressGateway,
  validateWrite: validateEgressGateway,
  validateDelete: validateEgressGatewayDelete,
  references: [],
  reads: ['nodes', 'agents', 'gateways', 'policies'],
};
