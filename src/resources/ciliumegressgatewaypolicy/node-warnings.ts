import { candidates, nodeVerdict, type Selection, selectNodes } from '../../cluster/eligibility.js';
import type { ClusterState } from '../../cluster/state.js';
import type { Findings } from '../../rules/findings.js';
import { packList } from '../../rules/warnings.js';
import { selectorRequirements } from '../../rules/labels.js';
import type { CheckedGateway } from './gateway.js';

// What Cilium will do with a gateway, given the nodes: it takes the first selected node by name and no
// other (no failover), drops the traffic when no node is selected, and SNATs with egressIP only on a node
// that owns that address.

/** Distinct node selectors whose nodes one review looks up; gateways with further selectors get no node warnings. */
export const maxSelectorsChecked = 64;

/**
 * Requirement checks one review may make walking the candidate nodes of its selectors, in all (candidates times
 * requirements): a selector with only NotIn or DoesNotExist has the whole cluster as candidates, and 64 of them at
 * 50,000 nodes, or one with 100,000 requirements, would hold the review for seconds.
 */
export const maxNodeChecks = 250_000;

/**
 * The nodes of each distinct selector of one policy, looked up once: a policy may list many gateways with
 * the same selector. Lookups stop at maxSelectorsChecked selectors or maxNodeChecks requirement checks.
 */
export class GatewayNodeLookups {
  private readonly seen = new Map<string, Selection>();
  private checks = 0;

  constructor(private readonly state: ClusterState) {}

  nodesOf(selector: Record<string, unknown>): Selection | undefined {
    const key = JSON.stringify(selector);
    let nodes = this.seen.get(key);
    if (nodes) return nodes;
    if (this.seen.size >= maxSelectorsChecked) return undefined;
    const reqs = selectorRequirements(selector);
    const found = reqs ? candidates(this.state, reqs) : { size: 0 };
    const checks = found.size * Math.max(1, reqs?.length ?? 0);
    if (this.checks + checks > maxNodeChecks) return undefined;
    this.checks += checks;
    nodes = selectNodes(this.state, reqs ?? [], found, undefined);
    this.seen.set(key, nodes);
    return nodes;
  }
}

export function gatewayNodeWarnings(state: ClusterState, gateway: CheckedGateway, f: Findings, lookups = new GatewayNodeLookups(state)): void {
  if (!gateway.nodeSelector || !state.syncStatus().synced) return;
  const where = String(gateway.path.child('nodeSelector'));
  const nodes = lookups.nodesOf(gateway.nodeSelector);
  if (!nodes) return;
  const { matched, first } = nodes;
  if (matched === 0 || !first) {
    f.warn('cilium-no-matching-node', `no node matches ${where}; Cilium drops the traffic of this policy until one does`);
    return;
  }
  if (nodes.eligible.length === 0) {
    const items = nodes.ineligible.map((v) => `${v.node.name} (${v.reasons.join(', ')})`);
    f.warn('cilium-no-eligible-node', packList(`no eligible node for ${gateway.path}, traffic will be dropped`, items, undefined, nodes.ineligibleCount));
  } else if (matched > 1) {
    const firstVerdict = nodeVerdict(state, first, undefined);
    f.warn(
      'cilium-several-nodes',
      firstVerdict.reasons.length > 0
        ? `Cilium uses only ${first.name} (first by name of ${matched} matching nodes), not eligible: ${firstVerdict.reasons.join(', ')}; no failover`
        : `Cilium uses only ${first.name} (first by name of ${matched} nodes matching ${where}): no failover`,
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
