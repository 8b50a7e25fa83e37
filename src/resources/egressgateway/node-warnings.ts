import { selectGatewayNodes } from '../../cluster/eligibility.js';
import type { ClusterState } from '../../cluster/state.js';
import type { Findings } from '../../rules/findings.js';
import { packList } from '../../rules/warnings.js';
import { formatLabelMap } from '../../rules/labels.js';

/** Legal but likely wrong: no candidate node, no eligible node, or no standby for failover. */
export function nodeWarnings(
  state: ClusterState,
  nodeSelector: Readonly<Record<string, string>>,
  explicitEmpty: boolean,
  mode: string | undefined,
  f: Findings,
): void {
  if (explicitEmpty) {
    f.warn('gateway-empty-node-selector', 'spec.nodeSelector is empty, so every node in the cluster is an egress candidate; set labels to pick nodes');
  }
  if (!state.syncStatus().synced) return;
  const nodes = selectGatewayNodes(state, nodeSelector, mode);
  // Too many candidates to know the count: no warning rather than a wrong one.
  if (!nodes.complete) return;
  if (nodes.matched === 0) {
    f.warn(
      'gateway-no-matching-node',
      `no node matches spec.nodeSelector ${formatLabelMap(nodeSelector) || '{}'}; traffic of this gateway's policies is dropped until one does`,
    );
    return;
  }
  if (nodes.eligible.length === 0) {
    const items = nodes.ineligible.map((v) => `${v.node.name} (${v.reasons.join(', ')})`);
    f.warn('gateway-no-eligible-node', packList('no eligible node, traffic will be dropped', items, undefined, nodes.ineligibleCount));
    return;
  }
  if (nodes.eligible.length === 1) {
    const only = nodes.eligible[0]!.name;
    f.warn('gateway-single-node', `only node ${only} is eligible: no standby, so no failover if it fails; prepare a second node`);
  }
}
