import { stringAt } from '../../rules/values.js';
import type { KindDescriptor } from '../kind.js';
import { defaultEgressGatewayPolicy } from './defaults.js';
import { egressGatewayPolicySchema } from './schema.js';
import { validateEgressGatewayPolicy } from './validate.js';

export const egressGatewayPolicy: KindDescriptor = {
  group: 'network.deckhouse.io',
  version: 'v1alpha1',
  kind: 'EgressGatewayPolicy',
  plural: 'egressgatewaypolicies',
  schema: egressGatewayPolicySchema,
  defaults: defaultEgressGatewayPolicy,
  validateWrite: validateEgressGatewayPolicy,
  references: [{ kind: 'EgressGateway', name: (object) => stringAt(object, 'spec', 'egressGatewayName') }],
  reads: ['gateways'],
};
