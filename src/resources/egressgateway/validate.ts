import { forbidden } from '../../rules/field.js';
import { Findings } from '../../rules/findings.js';
import type { Staged } from '../../rules/stages.js';
import { labelMapErrors } from '../../rules/labels.js';
import { nameLengthError } from '../../rules/object-name.js';
import { FieldPath } from '../../rules/path.js';
import { quoteList } from '../../rules/suggest.js';
import { getPath, isPlainObject, stringAt, stringMapAt } from '../../rules/values.js';
import { packList } from '../../rules/warnings.js';
import type { ReviewInput } from '../review-input.js';
import { structuralChecker } from '../schema.js';
import { egressGatewaySchema } from './schema.js';
import { checkInterfaces, checkMode, checkVirtualIP } from './source-ip.js';
import { nodeWarnings } from './node-warnings.js';
import { gatewayForRender, maxGatewayNameLength } from '../egressgatewaypolicy/render.js';
import { checkGatewayRender } from '../egressgatewaypolicy/render-check.js';

// Deckhouse alerts (D8ReservedNodeLabelOrTaintFound) on node labels under this prefix that it does not know.
export const reservedLabelPrefix = 'node-role.deckhouse.io/';

const structure = structuralChecker(egressGatewaySchema);
const metadataName = FieldPath.root('metadata').child('name');

export function* validateEgressGateway(input: ReviewInput): Staged<Findings> {
  const f = new Findings();
  const { object } = input;
  const nameError = nameLengthError(
    metadataName,
    input.name,
    maxGatewayNameLength,
    `the platform labels the active node egress-gateway.network.deckhouse.io/active-for-<name>, and a label name is at most 63 characters`,
  );
  if (nameError) f.error('gateway-name-length', nameError);
  // Unknown fields are no platformSchema rule: the mutating webhook's scan does not list an object's keys for them.
  structure.check(object, input.scope === 'platformSchema' ? 'ignore' : input.config.unknownFields, f);

  const sourceIP = getPath(object, 'spec', 'sourceIP');
  checkMode(sourceIP, f);
  // The rules flagged platformSchema (structure, mode and its block) have run.
  if (input.scope === 'platformSchema') return f;
  yield;
  checkInterfaces(sourceIP, f);
  checkVirtualIP(sourceIP, { name: input.name, oldIP: stringAt(input.oldObject, 'spec', 'sourceIP', 'virtualIPAddress', 'ip'), state: input.state }, f);

  const selectorPath = FieldPath.root('spec').child('nodeSelector');
  const rawSelector = getPath(object, 'spec', 'nodeSelector');
  const selectorErrors = labelMapErrors(selectorPath, rawSelector);
  f.errorsFrom('gateway-node-selector', selectorErrors);
  if (isPlainObject(rawSelector)) {
    for (const key of Object.keys(rawSelector)) {
      if (key.startsWith(reservedLabelPrefix)) {
        f.warn('gateway-reserved-node-label', `spec.nodeSelector ${key}: reserved by Deckhouse, which alerts on it; use e.g. dedicated/egress`, selectorPath.key(key));
      }
    }
  }
  // Which nodes an invalid selector would match is moot; the errors say what to fix.
  // A value that is not a string (an unquoted `on` is a boolean) has its schema error; without it the selector
  // would be judged as if it matched more nodes than it does.
  const stringValues = !isPlainObject(rawSelector) || Object.values(rawSelector).every((v) => typeof v === 'string');
  if (selectorErrors.length === 0 && stringValues && (rawSelector === undefined || isPlainObject(rawSelector))) {
    const explicitEmpty = isPlainObject(rawSelector) && Object.keys(rawSelector).length === 0;
    nodeWarnings(input.state, stringMapAt(object, 'spec', 'nodeSelector') ?? {}, explicitEmpty, stringAt(sourceIP, 'mode'), f);
  }
  yield;
  // Last: it skips fields the rules above already deny.
  checkGatewayRender(gatewayForRender(input.name, object), input.state, f);
  return f;
}

/** Deleting a gateway that policies still name makes the platform skip them silently. */
export function validateEgressGatewayDelete(input: ReviewInput): Findings {
  const f = new Findings();
  const name = JSON.stringify(input.name);
  if (!input.state.syncStatus().synced) {
    const detail = `policies naming EgressGateway ${name} were not checked: the cluster state is not synced yet`;
    if (input.config.uncheckedReference === 'deny') {
      f.error('gateway-delete-unchecked', forbidden(metadataName, `${detail}; retry in a moment`));
    } else {
      f.warn('gateway-delete-unchecked', detail);
    }
    return f;
  }
  const users = input.state.policiesUsingGateway(input.name);
  if (users.length === 0) return f;
  if (input.config.deleteInUse === 'deny') {
    const shown = users.slice(0, 10);
    const more = users.length > shown.length ? ` and ${users.length - shown.length} more` : '';
    f.error(
      'gateway-delete-in-use',
      forbidden(
        metadataName,
        users.length === 1
          ? `still used by EgressGatewayPolicy ${quoteList(shown)}; delete that policy or change its spec.egressGatewayName first`
          : `still used by EgressGatewayPolicy ${quoteList(shown)}${more}; delete those policies or change their spec.egressGatewayName first`,
      ),
    );
  } else {
    f.warn('gateway-delete-in-use', packList(`traffic of these policies no longer uses EgressGateway ${name}`, users.map((u) => JSON.stringify(u))));
  }
  return f;
}
