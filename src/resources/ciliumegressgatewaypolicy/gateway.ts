import { forbidden, invalid, required } from '../../rules/field.js';
import type { Findings } from '../../rules/findings.js';
import { checkUnicastAddress } from '../../rules/address.js';
import { checkInterfaceName } from '../../rules/interface-name.js';
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

const egressIPAdvice = { example: '10.0.1.100', instead: 'use an address assigned to the gateway node' };

export function checkGateway(path: FieldPath, gateway: unknown, f: Findings): CheckedGateway | undefined {
  if (!isPlainObject(gateway)) return undefined; // the schema reports the type
  const checked: CheckedGateway = { path };
  const selector = gateway['nodeSelector'];
  if (selector === undefined) {
    // Built only while the rule has room: a policy may list 85,000 gateways.
    if (f.keepsError('cilium-gateway-node-selector')) {
      f.error('cilium-gateway-node-selector', required(path.child('nodeSelector'), 'a label selector for the gateway node, e.g. matchLabels: {egress-gateway: "true"}'));
    }
  } else if (isPlainObject(selector)) {
    if (checkLabelSelector(path.child('nodeSelector'), selector, f)) checked.nodeSelector = selector;
  }

  // An empty string is how Go's omitempty spells "not set": Cilium treats "" as absent.
  const iface = typeof gateway['interface'] === 'string' && gateway['interface'] !== '' ? gateway['interface'] : undefined;
  const ipText = typeof gateway['egressIP'] === 'string' && gateway['egressIP'] !== '' ? gateway['egressIP'] : undefined;
  // Errors built only while their rules have room, as above.
  if (iface !== undefined) checkInterfaceName(path.child('interface'), iface, f);
  if (ipText !== undefined) {
    const r = checkUnicastAddress(ipText, egressIPAdvice);
    if (!('problem' in r)) checked.egressIP = r.ip;
    else if (f.keepsError('cilium-egress-ip')) f.error('cilium-egress-ip', invalid(path.child('egressIP'), ipText, r.problem));
  }
  if (iface !== undefined && ipText !== undefined && f.keepsError('cilium-egress-ip-and-interface')) {
    f.error(
      'cilium-egress-ip-and-interface',
      forbidden(path.child('egressIP'), 'may not be set together with interface: Cilium ignores a policy whose gateway sets both; keep one of them'),
    );
  }
  return checked;
}
