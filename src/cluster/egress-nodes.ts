import { selectorMatches } from '../rules/labels.js';
import { predictElection } from './election.js';
import { nodeVerdict } from './eligibility.js';
import type { ClusterState, GatewayInfo, NodeInfo } from './state.js';

// Which nodes serve a gateway: per matched node eligible or not and why, the predicted election, and the same
// again as if some nodes were drained or one node changed. Everything from memory; the work is the nodes the
// gateway's selector matches (found by the label index), never the whole cluster.

export const drainedReason = 'drained (what-if)';

export interface NodeEligibility {
  name: string;
  eligible: boolean;
  /** Why it is not eligible; empty when it is. */
  reasons: string[];
}

export interface GatewayNodeFacts {
  gateway: string;
  /** Every node the selector matches, by name. */
  nodes: NodeEligibility[];
  eligible: string[];
  /** The platform's election as the project predicts it. */
  predictedActive?: string;
  standby: string[];
  /** Policies that name the gateway, by name. */
  policies: readonly string[];
}

export interface NodeView {
  /** Nodes taken as drained (cordoned, their pods evicted). */
  drained?: ReadonlySet<string>;
  /** One node as it will be after an update, instead of the state's copy. */
  replace?: NodeInfo;
}

const selectorOf = (gw: GatewayInfo) => gw.nodeSelector ?? {};
const matches = (labels: Readonly<Record<string, string>>, gw: GatewayInfo) => selectorMatches({ matchLabels: selectorOf(gw) }, labels);

/** The nodes a gateway's selector matches in this view. */
function matchedNodes(state: ClusterState, gw: GatewayInfo, view: NodeView): NodeInfo[] {
  const matched = state.nodesMatching(selectorOf(gw));
  const r = view.replace;
  if (!r) return matched;
  const others = matched.filter((n) => n.name !== r.name);
  if (matches(r.labels, gw)) others.push(r);
  return others.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function gatewayNodeFacts(state: ClusterState, gw: GatewayInfo, view: NodeView = {}): GatewayNodeFacts {
  const nodes: NodeEligibility[] = [];
  const eligibleNodes: NodeInfo[] = [];
  for (const node of matchedNodes(state, gw, view)) {
    const reasons = nodeVerdict(state, node, gw.mode).reasons;
    if (view.drained?.has(node.name) && !node.unschedulable) reasons.push(drainedReason);
    nodes.push({ name: node.name, eligible: reasons.length === 0, reasons });
    if (reasons.length === 0) eligibleNodes.push(node);
  }
  const election = predictElection(gw.name, eligibleNodes);
  return {
    gateway: gw.name,
    nodes,
    eligible: eligibleNodes.map((n) => n.name).sort(),
    ...(election.active === undefined ? {} : { predictedActive: election.active }),
    standby: election.standby,
    policies: state.policiesUsingGateway(gw.name),
  };
}

/** Gateways, by name. */
export function gatewaysOf(state: ClusterState): GatewayInfo[] {
  return [...state.gatewayNames()]
    .sort()
    .map((n) => state.gateway(n))
    .filter((g): g is GatewayInfo => g !== undefined);
}

export type DrainOutcome = 'keeps a standby' | 'no standby left' | 'loses egress' | 'already without egress';

export interface GatewayDrainImpact {
  gateway: string;
  outcome: DrainOutcome;
  eligibleBefore: string[];
  eligibleAfter: string[];
  activeBefore?: string;
  activeAfter?: string;
  /** Policies whose traffic the outcome concerns (all that name the gateway). */
  policies: readonly string[];
}

function outcomeOf(before: number, after: number): DrainOutcome {
  if (after >= 2) return 'keeps a standby';
  if (after === 1) return 'no standby left';
  return before === 0 ? 'already without egress' : 'loses egress';
}

function impact(before: GatewayNodeFacts, after: GatewayNodeFacts): GatewayDrainImpact {
  return {
    gateway: before.gateway,
    outcome: outcomeOf(before.eligible.length, after.eligible.length),
    eligibleBefore: before.eligible,
    eligibleAfter: after.eligible,
    ...(before.predictedActive === undefined ? {} : { activeBefore: before.predictedActive }),
    ...(after.predictedActive === undefined ? {} : { activeAfter: after.predictedActive }),
    policies: before.policies,
  };
}

/**
 * What draining these nodes does to every gateway one of them is matched by: only gateways whose selector
 * matches a drained node are listed (the others cannot change).
 */
export function drainImpact(state: ClusterState, drained: ReadonlySet<string>): GatewayDrainImpact[] {
  const out: GatewayDrainImpact[] = [];
  for (const gw of gatewaysOf(state)) {
    const before = gatewayNodeFacts(state, gw);
    if (!before.nodes.some((n) => drained.has(n.name))) continue;
    out.push(impact(before, gatewayNodeFacts(state, gw, { drained })));
  }
  return out;
}

/**
 * What one node update does to the gateways that match the node before or after it: `before` and `after` are the
 * node as the update's oldObject and object describe it. Only gateways whose eligible nodes change are listed.
 */
export function nodeChangeImpact(state: ClusterState, before: NodeInfo, after: NodeInfo): GatewayDrainImpact[] {
  const out: GatewayDrainImpact[] = [];
  for (const name of state.gatewayNames()) {
    const gw = state.gateway(name);
    if (!gw) continue;
    if (!matches(before.labels, gw) && !matches(after.labels, gw)) continue;
    const b = gatewayNodeFacts(state, gw, { replace: before });
    const a = gatewayNodeFacts(state, gw, { replace: after });
    if (b.eligible.join('\u0000') === a.eligible.join('\u0000')) continue;
    out.push(impact(b, a));
  }
  return out.sort((x, y) => (x.gateway < y.gateway ? -1 : x.gateway > y.gateway ? 1 : 0));
}
