import { selectorMatches } from '../rules/labels.js';
import { predictElection } from './election.js';
import { nodeVerdict, selectGatewayNodes } from './eligibility.js';
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
}

const selectorOf = (gw: GatewayInfo) => gw.nodeSelector ?? {};
const matches = (labels: Readonly<Record<string, string>>, gw: GatewayInfo) => selectorMatches({ matchLabels: selectorOf(gw) }, labels);

export function gatewayNodeFacts(state: ClusterState, gw: GatewayInfo, view: NodeView = {}): GatewayNodeFacts {
  const nodes: NodeEligibility[] = [];
  const eligibleNodes: NodeInfo[] = [];
  for (const node of state.nodesMatching(selectorOf(gw))) {
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
    policies: [...state.policiesUsingGateway(gw.name)],
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

/** What one node update does to a gateway whose eligible nodes it changes (see nodeChangeOutcomes). */
export interface NodeChangeOutcome {
  gateway: string;
  outcome: DrainOutcome;
  /** Eligible nodes before and after, counted up to 3: enough to tell none, one, and one with a standby left. */
  eligibleBefore: number;
  eligibleAfter: number;
  /** The one eligible node left, when one is. */
  remaining?: string;
}

/**
 * What one node update does to the gateways that match the node before or after it, in the few facts its
 * warnings need: the changed node's eligibility before and after (`before` and `after` as the update's oldObject and
 * object describe it), and the other eligible nodes counted up to two. Nothing is listed, sorted or elected, so a
 * gateway matching the whole cluster costs a walk to its second other eligible node. Only gateways whose eligible
 * nodes change are listed, by name.
 */
export function nodeChangeOutcomes(state: ClusterState, before: NodeInfo, after: NodeInfo): NodeChangeOutcome[] {
  const out: NodeChangeOutcome[] = [];
  for (const name of state.gatewayNames()) {
    const gw = state.gateway(name);
    if (!gw) continue;
    const was = matches(before.labels, gw) && nodeVerdict(state, before, gw.mode).reasons.length === 0;
    const is = matches(after.labels, gw) && nodeVerdict(state, after, gw.mode).reasons.length === 0;
    if (was === is) continue;
    // Three eligible nodes at most: the changed one and two others.
    const others = othersEligible(state, gw, before.name);
    // Too many candidates to know what the change leaves: nothing said about this gateway.
    if (others === undefined) continue;
    const b = others.length + (was ? 1 : 0);
    const a = others.length + (is ? 1 : 0);
    const remaining = a === 1 ? (is ? after.name : others[0]) : undefined;
    out.push({ gateway: gw.name, outcome: outcomeOf(b, a), eligibleBefore: b, eligibleAfter: a, ...(remaining === undefined ? {} : { remaining }) });
  }
  return out.sort((x, y) => (x.gateway < y.gateway ? -1 : x.gateway > y.gateway ? 1 : 0));
}

/** Up to two eligible nodes of a gateway other than `except`; undefined when there were too many candidates to tell. */
function othersEligible(state: ClusterState, gw: GatewayInfo, except: string): string[] | undefined {
  const selection = selectGatewayNodes(state, selectorOf(gw), gw.mode, 3);
  if (!selection.complete) return undefined;
  return selection.eligible
    .map((n) => n.name)
    .filter((n) => n !== except)
    .slice(0, 2);
}
