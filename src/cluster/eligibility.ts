import { type Requirement, requirementsHold, selectorRequirements } from '../rules/labels.js';
import { type ClusterState, type NodeInfo, type NodeNames, namesCount } from './state.js';

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

/** Ineligible nodes a selection keeps for a message: more than a warning line (120 characters) can show. */
export const maxListedNodes = 16;

/** What the node warnings need of the nodes a selector matches, found in one pass and without sorting them. */
export interface Selection {
  /** Matching nodes: all of them when counted, else at least the ones seen before the search could stop. */
  matched: number;
  /** The first matching node by name (the one Cilium takes); only when counted. */
  first?: NodeInfo;
  /** Eligible matching nodes, at most two (or as many as asked): enough to tell none, one (no standby) and several. */
  eligible: NodeInfo[];
  /** When none is eligible: the first of the matching nodes by name, with the reasons, and how many in all. */
  ineligible: NodeVerdict[];
  ineligibleCount: number;
  /** False when the walk stopped at its limit of nodes before it knew: then the counts are only a start. */
  complete: boolean;
}

/**
 * Candidate nodes one EgressGateway lookup looks at, at most: with none or one eligible among them, a selector
 * matching most of a 50,000-node cluster took 7 ms to count them all. Past the limit the gateway gets no node
 * warnings, as a CiliumEgressGatewayPolicy's selectors past theirs.
 */
export const maxGatewayNodeVisits = 10_000;

/**
 * Nodes to look at: every node, or the nodes named in these sets of the label index (disjoint: the values of
 * one label key).
 */
export interface Candidates {
  size: number;
  sets?: readonly NodeNames[];
}

/**
 * Walks the candidates once. With 'count', every match is counted and the first by name kept; with a number, the
 * walk ends at that many eligible nodes. No list of matches is built or sorted: a selector may match the whole cluster.
 */
function select(
  state: ClusterState,
  found: Candidates,
  holds: (labels: Readonly<Record<string, string>>) => boolean,
  mode: string | undefined,
  until: 'count' | number,
  maxVisits = Infinity,
): Selection {
  const count = until === 'count';
  const enough = count ? 2 : until;
  const out: Selection = { matched: 0, eligible: [], ineligible: [], ineligibleCount: 0, complete: true };
  let visits = 0;
  const visit = (node: NodeInfo): boolean => {
    if (++visits > maxVisits) {
      out.complete = false;
      return false;
    }
    if (!holds(node.labels)) return true;
    out.matched++;
    if (count && (!out.first || node.name < out.first.name)) out.first = node;
    if (out.eligible.length >= enough) return true;
    const v = nodeVerdict(state, node, mode);
    if (v.reasons.length === 0) {
      out.eligible.push(node);
      return count || out.eligible.length < enough;
    }
    if (out.eligible.length === 0) {
      out.ineligibleCount++;
      keepFirstByName(out.ineligible, v);
    }
    return true;
  };
  if (found.sets) {
    walk: for (const names of found.sets) {
      if (typeof names === 'string') {
        const node = state.node(names);
        if (node && !visit(node)) break;
        continue;
      }
      for (const name of names) {
        const node = state.node(name);
        if (node && !visit(node)) break walk;
      }
    }
  } else if (found.size > 0) {
    for (const node of state.allNodes()) if (!visit(node)) break;
  }
  if (out.eligible.length > 0) {
    out.ineligible = [];
    out.ineligibleCount = 0;
  }
  return out;
}

/** Inserts into a list sorted by node name that holds at most maxListedNodes. */
function keepFirstByName(list: NodeVerdict[], v: NodeVerdict): void {
  if (list.length >= maxListedNodes && v.node.name >= list[list.length - 1]!.node.name) return;
  let i = list.length;
  while (i > 0 && list[i - 1]!.node.name > v.node.name) i--;
  list.splice(i, 0, v);
  if (list.length > maxListedNodes) list.pop();
}

/**
 * An EgressGateway's nodes (matchLabels): matches found through the rarest label pair, the walk ends at `enough`
 * eligible nodes (two tell none, one and a standby), or after maxGatewayNodeVisits candidates (not complete).
 */
export function selectGatewayNodes(state: ClusterState, nodeSelector: Readonly<Record<string, string>>, mode: string | undefined, enough = 2): Selection {
  const reqs = selectorRequirements({ matchLabels: nodeSelector }) ?? [];
  return select(state, candidates(state, reqs), (labels) => requirementsHold(reqs, labels), mode, enough, maxGatewayNodeVisits);
}

/**
 * The fewest candidate nodes the label index gives for these requirements: the smallest of the label pairs,
 * `In` lists and `Exists` keys; every node only when no requirement narrows (NotIn, DoesNotExist, empty).
 * It says how many there are, so a caller can weigh the walk before taking it.
 */
export function candidates(state: ClusterState, reqs: readonly Requirement[]): Candidates {
  let best: Candidates = { size: state.nodeCount() };
  for (const r of reqs) {
    let option: Candidates | undefined;
    if (r.operator === 'Exists') {
      const names = state.nodeNamesWithLabel(r.key);
      option = { size: namesCount(names), sets: [names] };
    } else if (r.operator === 'In') {
      const sets = [...r.values].map((v) => state.nodeNamesWithLabel(r.key, v)).filter((names) => namesCount(names) > 0);
      option = { size: sets.reduce((n, names) => n + namesCount(names), 0), sets };
    }
    if (option && option.size < best.size) best = option;
    if (best.size === 0) break;
  }
  return best;
}

/** The nodes among the candidates that a full LabelSelector's requirements select, counted, with the first by name. */
export function selectNodes(state: ClusterState, reqs: readonly Requirement[], found: Candidates, mode: string | undefined): Selection {
  return select(state, found, (labels) => requirementsHold(reqs, labels), mode, 'count');
}
