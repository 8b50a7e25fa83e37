import { selectorMatches } from '../rules/labels.js';
import { stringMapAt } from '../rules/values.js';
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

export function gatewayNodes(state: ClusterState, nodeSelector: Readonly<Record<string, string>>, mode: string | undefined): GatewayNodes {
  return verdicts(state, state.nodesMatching(nodeSelector), mode);
}

/** Nodes a full LabelSelector (matchLabels and matchExpressions) selects, by name. */
export function nodesSelectedBy(state: ClusterState, selector: unknown): NodeInfo[] {
  // The index answers matchLabels; the expressions are checked on those candidates only.
  return state.nodesMatching(stringMapAt(selector, 'matchLabels') ?? {}).filter((n) => selectorMatches(selector, n.labels));
}
