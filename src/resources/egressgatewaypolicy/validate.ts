import { checkCIDRList } from '../../rules/cidrs.js';
import { Findings } from '../../rules/findings.js';
import { nameLengthError, objectNameErrors } from '../../rules/object-name.js';
import { FieldPath } from '../../rules/path.js';
import { didYouMean } from '../../rules/suggest.js';
import { getPath, stringAt } from '../../rules/values.js';
import { checkPodSelectors, type SelectorFields } from '../pod-selectors.js';
import type { ReviewInput } from '../review-input.js';
import { structuralChecker } from '../schema.js';
import { cidrWarnings, gatewayFamilyWarnings } from '../cidr-warnings.js';
import { egressGatewayPolicySchema } from './schema.js';

// The platform renders the policy as CiliumEgressGatewayPolicy "d8.<name>", and object names are at most 253.
export const maxPolicyNameLength = 250;

const structure = structuralChecker(egressGatewayPolicySchema);
const deckhouseSelectors: SelectorFields = { fields: ['podSelector'], podFields: ['podSelector'], warnWhenAbsent: true };
const spec = FieldPath.root('spec');

export function validateEgressGatewayPolicy(input: ReviewInput): Findings {
  const f = new Findings();
  if (input.operation === 'DELETE') return f;
  const { object } = input;
  const nameError = nameLengthError(
    FieldPath.root('metadata').child('name'),
    input.name,
    maxPolicyNameLength,
    'the platform creates CiliumEgressGatewayPolicy "d8.<name>", and a name is at most 253 bytes',
    'policy-name-length',
  );
  if (nameError) f.error(nameError);
  structure.check(object, input.config.unknownFields, f);

  checkGatewayReference(input, f);

  const destinations = checkCIDRList(spec.child('destinationCIDRs'), getPath(object, 'spec', 'destinationCIDRs'), 'policy-cidr', f);
  const excluded = checkCIDRList(spec.child('excludedCIDRs'), getPath(object, 'spec', 'excludedCIDRs'), 'policy-cidr', f);
  cidrWarnings(destinations, excluded, f);
  if (input.gatewayRef?.status === 'found') gatewayFamilyWarnings(destinations, input.gatewayRef.gateway, f);

  checkPodSelectors(getPath(object, 'spec', 'selectors'), deckhouseSelectors, f, 'policy');
  return f;
}

function checkGatewayReference(input: ReviewInput, f: Findings): void {
  const name = stringAt(input.object, 'spec', 'egressGatewayName');
  const field = String(spec.child('egressGatewayName'));
  if (name === undefined) return;
  if (name === '') {
    f.error({ rule: 'policy-gateway-ref', type: 'Required value', field, detail: 'the name of an EgressGateway' });
    return;
  }
  const syntax = objectNameErrors(spec.child('egressGatewayName'), name, 'policy-gateway-ref');
  if (syntax.length > 0) {
    f.addAll(syntax);
    return;
  }
  const ref = input.gatewayRef;
  if (!ref || ref.status === 'found') return;
  if (ref.status === 'unchecked') {
    if (input.config.uncheckedReference === 'deny') {
      f.error({ rule: 'policy-gateway-unchecked', type: 'Invalid value', field, value: name, detail: `could not be checked (${ref.reason}); retry in a moment` });
    } else {
      f.warn('policy-gateway-unchecked', `${field} ${name} was not checked: ${ref.reason}`);
    }
    return;
  }
  const hint = didYouMean(name, input.state.gatewayNames());
  const detail = `no EgressGateway has this name; ${hint || 'create it first (kubectl get egressgateways lists them)'}`;
  // Ratchet: a policy whose gateway went away can still be edited (e.g. to drop a finalizer).
  if (input.operation === 'UPDATE' && stringAt(input.oldObject, 'spec', 'egressGatewayName') === name) {
    f.warn('policy-gateway-ref', `${field}: EgressGateway ${name} does not exist; this policy routes nothing`);
    return;
  }
  f.error({ rule: 'policy-gateway-ref', type: 'Not found', field, value: name, detail });
}
