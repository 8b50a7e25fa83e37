import type { AddOp } from '../admission/patch.js';
import type { Findings } from '../rules/findings.js';
import { stringAt } from '../rules/values.js';
import type { RulesConfig } from './config.js';
import { validateCiliumEgressGatewayPolicy } from './ciliumegressgatewaypolicy/validate.js';
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
  {
    // Cilium's own policy, for clusters that run plain Cilium (or write these by hand next to Deckhouse's).
    group: 'cilium.io',
    version: 'v2',
    kind: 'CiliumEgressGatewayPolicy',
    validate: validateCiliumEgressGatewayPolicy,
    defaults: () => [],
  },
];

export const kindNames: readonly string[] = resourceKinds.map((k) => k.kind);

/** The kinds of network.deckhouse.io, which need that group's CRDs (and its watches) in the cluster. */
export const deckhouseKindNames: readonly string[] = resourceKinds.filter((k) => k.group === 'network.deckhouse.io').map((k) => k.kind);

/** The checked kind of a request, among the enabled ones. */
export function findKind(group: string, version: string, kind: string, enabled: readonly string[] = kindNames): ResourceKind | undefined {
  return resourceKinds.find((k) => k.group === group && k.version === version && k.kind === kind && enabled.includes(k.kind));
}
