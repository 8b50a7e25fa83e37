import { type GatewayNodes, nodesSelectedBy, verdicts } from '../../cluster/eligibility.js';
import type { ClusterState } from '../../cluster/state.js';
import type { Findings } from '../../rules/findings.js';
import { packList } from '../../rules/warnings.js';
import type { CheckedGateway } from './gateway.js';

// What Cilium will do with a gateway, given the nodes: it takes the first selected node by name and no
// other (no failover), drops the traffic when no node is selected, and SNATs with egressIP only on a node
// that owns that address.

/** Distinct node selectors whose nodes one review looks up; gateways with further selectors get no node warnings. */
export const maxSelectorsChecked = 64;

/**
 * The nodes of each distinct selector of one policy, looked up once: a policy may list many gateways with
 * the same selector, and each lookup may have to look at every node (a selector with only NotIn).
 */
export class GatewayNodeLookups {
  private readonly seen = new Map<string, GatewayNodes>();

  constructor(private readonly state: ClusterState) {}

  nodesOf(selector: Record<string, unknown>): GatewayNodes | undefined {
    const key = JSON.stringify(selector);
    let nodes = this.seen.get(key);
    if (nodes) return nodes;
    if (this.seen.size >= maxSelectorsChecked) return undefined;
    nodes = verdicts(this.state, nodesSelectedBy(this.state, selector), undefined);
    this.seen.set(key, nodes);
    return nodes;
  }
}

export function gatewayNodeWarnings(state: ClusterState, gateway: CheckedGateway, f: Findings, lookups = new GatewayNodeLookups(state)): void {
  if (!gateway.nodeSelector || !state.syncStatus().synced) return;
  const where = String(gateway.path.child('nodeSelector'));
  const nodes = lookups.nodesOf(gateway.nodeSelector);
  if (!nodes) return;
  const matched = nodes.matched;
  if (matched.length === 0) {
    f.warn('cilium-no-matching-node', `no node matches ${where}; Cilium drops the traffic of this policy until one does`);
    return;
  }
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
