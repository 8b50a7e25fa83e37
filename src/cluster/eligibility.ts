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
  matched: number;
  eligible: NodeInfo[];
  ineligible: NodeVerdict[];
}

export function gatewayNodes(state: ClusterState, nodeSelector: Readonly<Record<string, string>>, mode: string | undefined): GatewayNodes {
  const matched = state.nodesMatching(nodeSelector);
  const eligible: NodeInfo[] = [];
  const ineligible: NodeVerdict[] = [];
  for (const node of matched) {
    const v = nodeVerdict(state, node, mode);
    if (v.reasons.length === 0) eligible.push(node);
    else ineligible.push(v);
  }
  return { matched: matched.length, eligible, ineligible };
}
