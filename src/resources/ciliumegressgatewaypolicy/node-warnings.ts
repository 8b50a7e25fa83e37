import { nodesSelectedBy, verdicts } from '../../cluster/eligibility.js';
import type { ClusterState } from '../../cluster/state.js';
import type { Findings } from '../../rules/findings.js';
import { packList } from '../../rules/warnings.js';
import type { CheckedGateway } from './gateway.js';

// What Cilium will do with a gateway, given the nodes: it takes the first selected node by name and no
// other (no failover), drops the traffic when no node is selected, and SNATs with egressIP only on a node
// that owns that address.

export function gatewayNodeWarnings(state: ClusterState, gateway: CheckedGateway, f: Findings): void {
  if (!gateway.nodeSelector || !state.syncStatus().synced) return;
  const where = String(gateway.path.child('nodeSelector'));
  const matched = nodesSelectedBy(state, gateway.nodeSelector);
  if (matched.length === 0) {
    f.warn('cilium-no-matching-node', `no node matches ${where}; Cilium drops the traffic of this policy until one does`);
    return;
  }
  const nodes = verdicts(state, matched, undefined);
  const first = matched[0]!;
  if (nodes.eligible.length === 0) {
    const items = nodes.ineligible.map((v) => `${v.node.name} (${v.reasons.join(', ')})`);
    f.warn('cilium-no-eligible-node', packList(`no eligible node for ${gateway.path}, traffic will be dropped`, items));
  } else if (matched.length > 1) {
    const firstVerdict = nodes.ineligible.find((v) => v.node === first);
    f.warn(
      'cilium-several-nodes',
      firstVerdict
        ? `Cilium uses only ${first.name} (first by name of ${matched.length} matching nodes), not eligible: ${firstVerdict.reasons.join(', ')}; no failover`
        : `Cilium uses only ${first.name} (first by name of ${matched.length} nodes matching ${where}): no failover`,
    );
  }
  if (gateway.egressIP) {
    const owner = state.nodeWithAddress(gateway.egressIP.canonical);
    if (owner && owner.node !== first.name) {
      f.warn(
        'cilium-egress-ip-owner',
        `${gateway.path.child('egressIP')} ${gateway.egressIP.canonical} is the ${owner.type} of node ${owner.node}, not of gateway node ${first.name}`,
      );
    }
  }
}
