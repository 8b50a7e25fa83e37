import { forbidden, required } from '../../rules/field.js';
import type { Findings } from '../../rules/findings.js';
import { checkUnicastAddress } from '../../rules/address.js';
import { interfaceNameErrors } from '../../rules/interface-name.js';
import type { IP } from '../../rules/ip.js';
import { checkLabelSelector } from '../../rules/labels.js';
import type { FieldPath } from '../../rules/path.js';
import { isPlainObject } from '../../rules/values.js';

// One gateway of a CiliumEgressGatewayPolicy (spec.egressGateway, or an entry of spec.egressGateways):
// a nodeSelector for the node that SNATs, and the egressIP or the interface whose first address it uses.
// Cilium's agent refuses a gateway that sets both (pkg/egressgateway: "can't specify both an interface
// and an egress IP") and then applies none of the policy.

export interface CheckedGateway {
  path: FieldPath;
  /** The nodeSelector, when it is a selector without errors (only then do node warnings make sense). */
  nodeSelector?: Record<string, unknown>;
  egressIP?: IP;
}

export function checkGateway(path: FieldPath, gateway: unknown, f: Findings): CheckedGateway | undefined {
  if (!isPlainObject(gateway)) return undefined; // the schema reports the type
  const checked: CheckedGateway = { path };
  const selector = gateway['nodeSelector'];
  const selectorPath = path.child('nodeSelector');
  if (selector === undefined) {
    // Built only while the rule has room: a policy may list 85,000 gateways.
    f.errorsOf('cilium-gateway-node-selector', 1, () => required(selectorPath, 'a label selector for the gateway node, e.g. matchLabels: {egress-gateway: "true"}'));
  } else if (isPlainObject(selector)) {
    if (checkLabelSelector(selectorPath, selector, f)) checked.nodeSelector = selector;
  }

  // An empty string is how Go's omitempty spells "not set": Cilium treats "" as absent.
  const iface = typeof gateway['interface'] === 'string' && gateway['interface'] !== '' ? gateway['interface'] : undefined;
  const ipText = typeof gateway['egressIP'] === 'string' && gateway['egressIP'] !== '' ? gateway['egressIP'] : undefined;
  if (iface !== undefined) f.errorsFrom('interface-name', interfaceNameErrors(path.child('interface'), iface));
  if (ipText !== undefined) {
    const r = checkUnicastAddress(path.child('egressIP'), ipText, {
      example: '10.0.1.100',
      instead: 'use an address assigned to the gateway node',
    });
    if ('error' in r) f.error('cilium-egress-ip', r.error);
    else checked.egressIP = r.ip;
  }
  if (iface !== undefined && ipText !== undefined) {
    f.errorsOf('cilium-egress-ip-and-interface', 1, () =>
      forbidden(path.child('egressIP'), 'may not be set together with interface: Cilium ignores a policy whose gateway sets both; keep one of them'),
    );
  }
  return checked;
}
