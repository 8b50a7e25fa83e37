import { isDeepStrictEqual } from 'node:util';
import { checkCIDRList, familyName } from '../../rules/cidrs.js';
import { required } from '../../rules/field.js';
import { Findings } from '../../rules/findings.js';
import type { Staged } from '../../rules/stages.js';
import { FieldPath } from '../../rules/path.js';
import { getPath, isPlainObject } from '../../rules/values.js';
import { byFamily, cidrWarnings, familyWarnings } from '../cidr-warnings.js';
import { warnEmptyDestinations } from '../destinations.js';
import { checkPodSelectors, type SelectorFields } from '../pod-selectors.js';
import type { ReviewInput } from '../review-input.js';
import { structuralChecker } from '../schema.js';
import { type CheckedGateway, checkGateway } from './gateway.js';
import { GatewayNodeLookups, gatewayNodeWarnings } from './node-warnings.js';
import { ciliumEgressGatewayPolicySchema } from './schema.js';

// cilium.io/v2 CiliumEgressGatewayPolicy with the same CIDR, IP, label, selector and interface rules as the
// Deckhouse kinds, plus what makes Cilium's agent ignore a policy (pkg/egressgateway ParseCEGP): no
// gateway, no destination list, a gateway with both egressIP and interface, a selector with neither pod nor
// namespace selector.

const structure = structuralChecker(ciliumEgressGatewayPolicySchema);
const spec = FieldPath.root('spec');
const ciliumSelectors: SelectorFields = {
  fields: ['podSelector', 'namespaceSelector', 'nodeSelector'],
  oneOf: ['podSelector', 'namespaceSelector'],
  podFields: ['podSelector', 'namespaceSelector'],
  warnWhenAbsent: false,
};

export function* validateCiliumEgressGatewayPolicy(input: ReviewInput): Staged<Findings> {
  const f = new Findings();
  // Unknown fields are no platformSchema rule: the mutating webhook's scan does not list an object's keys for them.
  structure.check(input.object, input.scope === 'platformSchema' ? 'ignore' : input.config.unknownFields, f);
  // The rules flagged platformSchema (structure) have run.
  if (input.scope === 'platformSchema') return f;
  const s = getPath(input.object, 'spec');
  if (!isPlainObject(s)) return f;
  yield;

  const rawDestinations = s['destinationCIDRs'];
  if (rawDestinations === undefined) {
    f.error('cilium-destinations', required(spec.child('destinationCIDRs'), 'at least one CIDR, e.g. "0.0.0.0/0": without destinations the policy routes nothing'));
  }
  warnEmptyDestinations(rawDestinations, f);
  const destinations = checkCIDRList(spec.child('destinationCIDRs'), rawDestinations);
  const excluded = checkCIDRList(spec.child('excludedCIDRs'), s['excludedCIDRs']);
  f.errorsFrom('cidr-invalid', destinations.errors);
  f.errorsFrom('cidr-invalid', excluded.errors);
  cidrWarnings(destinations.valid, excluded.valid, f);
  yield;

  if (s['selectors'] === undefined) {
    f.error(
      'cilium-selectors',
      required(spec.child('selectors'), 'at least one entry with a podSelector or namespaceSelector: the pods whose traffic uses the gateway'),
    );
  }
  checkPodSelectors(s['selectors'], ciliumSelectors, f);
  yield;

  const lookups = new GatewayNodeLookups(input.state);
  const destinationsByFamily = byFamily(destinations.valid);
  for (const gateway of effectiveGateways(s, f)) {
    gatewayNodeWarnings(input.state, gateway, f, lookups);
    const ip = gateway.egressIP;
    if (ip) familyWarnings(destinationsByFamily, ip, () => `${gateway.path.child('egressIP')} ${ip.canonical} is ${familyName(ip.family)}`, f);
    // A gateway's nodes may take a walk over the whole cluster: a turn for the loop between gateways.
    yield;
  }
  return f;
}

/** Checks every gateway written; returns the ones Cilium uses (egressGateways when set, else egressGateway). */
function effectiveGateways(s: Record<string, unknown>, f: Findings): CheckedGateway[] {
  const single = s['egressGateway'];
  const list = Array.isArray(s['egressGateways']) ? s['egressGateways'] : [];
  const checkedSingle = single === undefined ? undefined : checkGateway(spec.child('egressGateway'), single, f);
  const listPath = spec.child('egressGateways');
  const checkedList = list.map((g, i) => checkGateway(listPath.index(i), g, f));
  if (list.length === 0) {
    if (single === undefined) {
      f.error('cilium-gateway', required(spec.child('egressGateway'), 'the gateway node: a nodeSelector, and egressIP or interface (else the default-route interface)'));
    }
    return checkedSingle ? [checkedSingle] : [];
  }
  // Cilium 1.20+: a non-empty egressGateways replaces egressGateway, which the CRD still requires.
  if (isPlainObject(single) && !list.some((g) => isDeepStrictEqual(g, single))) {
    f.warn('cilium-gateway-ignored', 'spec.egressGateway is ignored while spec.egressGateways is set, and is not in that list; add it there');
  }
  return checkedList.filter((g): g is CheckedGateway => g !== undefined);
}
