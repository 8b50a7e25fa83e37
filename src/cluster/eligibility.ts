import { type Requirement, requirementsHold, selectorRequirements } from '../rules/labels.js';
import type { ClusterState, NodeInfo } from './state.js';

// Which nodes can carry a gateway's traffic (SPEC §1): labels match nodeSelector, Ready, not cordoned,
// a Ready cilium agent, and in VirtualIPAddress mode a Ready egress-gateway agent as well.

export const virtualIPMode = 'VirtualIPAddress';

export interface NodeVerdict {
  node: NodeInfo;
  /** Short reasons it is not eligible; empty when it is. */
  reasons: string[];
}

export function nodeVerdict(state: ClusterState, node: NodeInfo, mode: string | undefined): NodeVerdict {
  const reasons: string[] = [];
  if (!node.ready) reasons.push('not Ready');
  if (node.unschedulable) reasons.push('cordoned');
  const agents = state.agents(node.name);
  if (!agents.cilium) reasons.push('no Ready cilium agent');
  if (mode === virtualIPMode && !agents.egressGateway) reasons.push('no Ready egress-gateway agent');
  return { node, reasons };
}

export interface GatewayNodes {
  /** Every node the selector matches, by name. */
  matched: NodeInfo[];
  eligible: NodeInfo[];
  ineligible: NodeVerdict[];
}

/** Sorts matched nodes into eligible and not (with the reasons). */
export function verdicts(state: ClusterState, matched: NodeInfo[], mode: string | undefined): GatewayNodes {
  const eligible: NodeInfo[] = [];
  const ineligible: NodeVerdict[] = [];
  for (const node of matched) {
    const v = nodeVerdict(state, node, mode);
    if (v.reasons.length === 0) eligible.push(node);
    else ineligible.push(v);
  }
  return { matched, eligible, ineligible };
}

/**
 * Whether at least `n` nodes, in no particular order, are eligible for a gateway whose nodeSelector is empty. On a
 * sound cluster the answer comes after n nodes, where listing every node (all of them match) would cost a sort of
 * the whole cluster per review.
 */
export function anyNodesEligible(state: ClusterState, mode: string | undefined, n: number): boolean {
  let found = 0;
  for (const node of state.allNodes()) if (nodeVerdict(state, node, mode).reasons.length === 0 && ++found >= n) return true;
  return false;
}

export function gatewayNodes(state: ClusterState, nodeSelector: Readonly<Record<string, string>>, mode: string | undefined): GatewayNodes {
  return verdicts(state, state.nodesMatching(nodeSelector), mode);
}

/**
 * The fewest candidate nodes the label index gives for these requirements: the smallest of the label pairs,
 * `In` lists and `Exists` keys; every node only when no requirement narrows (NotIn, DoesNotExist, empty).
 */
function candidates(state: ClusterState, reqs: readonly Requirement[]): Iterable<NodeInfo> {
  let best: { size: number; names: () => Iterable<string> } | undefined;
  for (const r of reqs) {
    let option: typeof best;
    if (r.operator === 'Exists') {
      const names = state.nodeNamesWithLabel(r.key);
      option = { size: names.size, names: () => names };
    } else if (r.operator === 'In') {
      let size = 0;
      for (const v of r.values) size += state.nodeNamesWithLabel(r.key, v).size;
      option = { size, names: () => [...r.values].flatMap((v) => [...state.nodeNamesWithLabel(r.key, v)]) };
    }
    if (option && (!best || option.size < best.size)) best = option;
    if (best?.size === 0) return [];
  }
  if (!best || best.size >= state.nodeCount()) return state.allNodes();
  const chosen = best;
  return (function* () {
    for (const name of chosen.names()) {
      const node = state.node(name);
      if (node) yield node;
    }
  })();
}

/**
 * Nodes a full LabelSelector (matchLabels and matchExpressions) selects, by name. The label index narrows the
 * candidates first, so the work follows the nodes a selector can match, not the size of the cluster.
 */
export function nodesSelectedBy(state: ClusterState, selector: unknown): NodeInfo[] {
  const reqs = selectorRequirements(selector);
  if (!reqs) return [];
  const out: NodeInfo[] = [];
  for (const node of candidates(state, reqs)) if (requirementsHold(reqs, node.labels)) out.push(node);
  return out.sort(byName);
}

const byName = (a: NodeInfo, b: NodeInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
