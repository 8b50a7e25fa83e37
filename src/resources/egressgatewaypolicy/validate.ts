import { checkCIDRList } from '../../rules/cidrs.js';
import { invalid, notFound, required } from '../../rules/field.js';
import { Findings } from '../../rules/findings.js';
import type { Staged } from '../../rules/stages.js';
import { nameLengthError, objectNameErrors } from '../../rules/object-name.js';
import { FieldPath } from '../../rules/path.js';
import { didYouMean } from '../../rules/suggest.js';
import { getPath, stringAt } from '../../rules/values.js';
import { checkPodSelectors, type SelectorFields } from '../pod-selectors.js';
import type { ReviewInput } from '../review-input.js';
import { structuralChecker } from '../schema.js';
import { cidrWarnings, gatewayFamilyWarnings } from '../cidr-warnings.js';
import { warnEmptyDestinations } from '../destinations.js';
import { checkPolicyRender, refusedFamilyOfInvalid } from './render-check.js';
import { activeNodeLabelPrefix, maxGatewayNameLength } from './render.js';
import { egressGatewayPolicySchema } from './schema.js';

// The platform renders the policy as CiliumEgressGatewayPolicy "d8.<name>", and object names are at most 253.
export const maxPolicyNameLength = 250;

const structure = structuralChecker(egressGatewayPolicySchema);
// An absent list is denied by the render check (the rendered object requires selectors), so only [] warns here.
const deckhouseSelectors: SelectorFields = { fields: ['podSelector'], podFields: ['podSelector'], warnWhenAbsent: false };
const spec = FieldPath.root('spec');

export function* validateEgressGatewayPolicy(input: ReviewInput): Staged<Findings> {
  const f = new Findings();
  const { object } = input;
  const nameError = nameLengthError(
    FieldPath.root('metadata').child('name'),
    input.name,
    maxPolicyNameLength,
    'the platform creates CiliumEgressGatewayPolicy "d8.<name>", and a name is at most 253 bytes',
  );
  if (nameError) f.error('policy-name-length', nameError);
  // Unknown fields are no platformSchema rule: the mutating webhook's scan does not list an object's keys for them.
  structure.check(object, input.scope === 'platformSchema' ? 'ignore' : input.config.unknownFields, f);
  // The rules flagged platformSchema (structure) have run.
  if (input.scope === 'platformSchema') return f;
  yield;

  checkGatewayReference(input, f);

  const rawDestinations = getPath(object, 'spec', 'destinationCIDRs');
  warnEmptyDestinations(rawDestinations, f);
  const destinations = checkCIDRList(spec.child('destinationCIDRs'), rawDestinations);
  const excluded = checkCIDRList(spec.child('excludedCIDRs'), getPath(object, 'spec', 'excludedCIDRs'));
  f.errorsFrom('cidr-invalid', destinations.errors);
  f.errorsFrom('cidr-invalid', excluded.errors);
  refusedFamilyOfInvalid(input.name, spec.child('destinationCIDRs'), rawDestinations, destinations.valid, input.state, f);
  refusedFamilyOfInvalid(input.name, spec.child('excludedCIDRs'), getPath(object, 'spec', 'excludedCIDRs'), excluded.valid, input.state, f);
  cidrWarnings(destinations.valid, excluded.valid, f);
  if (input.gatewayRef?.status === 'found') gatewayFamilyWarnings(destinations.valid, input.gatewayRef.gateway, f);
  yield;

  checkPodSelectors(getPath(object, 'spec', 'selectors'), deckhouseSelectors, f);
  yield;
  // Last: it skips fields the rules above already deny.
  checkPolicyRender(input.name, object, input.gatewayRef?.status === 'found' ? input.gatewayRef.gateway : undefined, input.state, f, {
    destinationCIDRs: destinations.valid.map((d) => d.index),
    excludedCIDRs: excluded.valid.map((d) => d.index),
  });
  return f;
}

/** Gateway names a missing reference is compared with for "did you mean": the work stays the same in any cluster. */
export const maxGatewaysSuggested = 1_000;

function checkGatewayReference(input: ReviewInput, f: Findings): void {
  const name = stringAt(input.object, 'spec', 'egressGatewayName');
  const path = spec.child('egressGatewayName');
  const field = String(path);
  if (name === undefined) return;
  if (name === '') {
    f.error('policy-gateway-ref', required(path, 'the name of an EgressGateway'));
    return;
  }
  const syntax = objectNameErrors(path, name);
  if (syntax.length > 0) {
    f.errorsFrom('policy-gateway-ref', syntax);
    return;
  }
  const ref = input.gatewayRef;
  if (!ref) return;
  if (ref.status === 'found') {
    // Only a gateway stored before the webhook (or in warn mode) has such a name: no node can carry its label.
    if (name.length <= maxGatewayNameLength) return;
    const why = `the platform cannot label a node ${activeNodeLabelPrefix.slice(activeNodeLabelPrefix.indexOf('/') + 1)}<gateway name> for a name over ${maxGatewayNameLength} characters, so no node carries this policy's traffic`;
    if (input.operation === 'UPDATE' && stringAt(input.oldObject, 'spec', 'egressGatewayName') === name) {
      f.warn('policy-gateway-ref', `${field}: gateway name over ${maxGatewayNameLength} characters, so no node gets its label; traffic dropped; rename it`, path);
    } else {
      f.error('policy-gateway-ref', invalid(path, name, `${why}; name a gateway of at most ${maxGatewayNameLength} characters`));
    }
    return;
  }
  if (ref.status === 'unchecked') {
    if (input.config.uncheckedReference === 'deny') {
      f.error('policy-gateway-unchecked', invalid(path, name, `could not be checked (${ref.reason}); retry in a moment`));
    } else {
      f.warn('policy-gateway-unchecked', `${field} ${name} was not checked: ${ref.reason}`, path);
    }
    return;
  }
  const hint = didYouMean(name, input.state.gatewayNames(), maxGatewaysSuggested);
  const detail = `no EgressGateway has this name; ${hint || 'create it first (kubectl get egressgateways lists them)'}`;
  // Ratchet: a policy whose gateway went away can still be edited (e.g. to drop a finalizer).
  if (input.operation === 'UPDATE' && stringAt(input.oldObject, 'spec', 'egressGatewayName') === name) {
    f.warn('policy-gateway-ref', `${field}: EgressGateway ${name} does not exist; this policy routes nothing`, path);
    return;
  }
  f.error('policy-gateway-ref', notFound(path, name, detail));
}
