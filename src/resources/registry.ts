import type { AddOp } from '../admission/patch.js';
import type { Findings } from '../rules/findings.js';
import { stringAt } from '../rules/values.js';
import type { RulesConfig } from './config.js';
import { defaultEgressGateway } from './egressgateway/defaults.js';
import { validateEgressGateway } from './egressgateway/validate.js';
import { defaultEgressGatewayPolicy } from './egressgatewaypolicy/defaults.js';
import { validateEgressGatewayPolicy } from './egressgatewaypolicy/validate.js';
import type { ReviewInput } from './review-input.js';

export interface ResourceKind {
  group: string;
  version: string;
  kind: string;
  validate(input: ReviewInput): Findings;
  defaults(object: Record<string, unknown>, config: RulesConfig): AddOp[];
  /** The EgressGateway this object names, resolved (possibly by a live lookup) before validation. */
  gatewayReference?(object: unknown): string | undefined;
}

export const resourceKinds: readonly ResourceKind[] = [
  {
    group: 'network.deckhouse.io',
    version: 'v1alpha1',
    kind: 'EgressGateway',
    validate: validateEgressGateway,
    defaults: defaultEgressGateway,
  },
  {
    group: 'network.deckhouse.io',
    version: 'v1alpha1',
    kind: 'EgressGatewayPolicy',
    validate: validateEgressGatewayPolicy,
    defaults: defaultEgressGatewayPolicy,
    gatewayReference: (object) => stringAt(object, 'spec', 'egressGatewayName'),
  },
];

export function findKind(group: string, version: string, kind: string): ResourceKind | undefined {
  return resourceKinds.find((k) => k.group === group && k.version === version && k.kind === kind);
}
