import { type DrainOutcome, drainedReason, drainImpact, gatewayNodeFacts, type GatewayDrainImpact, type NodeEligibility } from '../cluster/egress-nodes.js';
import { virtualIPMode } from '../cluster/eligibility.js';
import type { ClusterSnapshot } from '../cluster/snapshot.js';
import type { GatewayInfo } from '../cluster/state.js';
import { cidrDifference } from '../rules/cidr-set.js';
import { closest } from '../rules/suggest.js';
import { getPath, isPlainObject, stringAt, stringMapAt } from '../rules/values.js';
import { activeNodeLabelPrefix, gatewayForRender, renderedName, renderGateway, renderPolicy } from './egressgatewaypolicy/render.js';

// What `explain` tells about a gateway, a policy or a node: facts from the cluster layer (eligibility, the
// predicted election, what a drain does), the status the platform wrote, and the CiliumEgressGatewayPolicy the
// platform renders. Plain data: the command prints it as text, JSON or YAML.

export interface StatusFacts {
  activeNodeName?: string;
  readyNodes?: number;
  /** The Ready condition: status, reason, message. */
  ready?: { status: string; reason?: string; message?: string };
}

export interface ActiveFacts {
  /** The node the project predicts the platform elects (sha256 order of the eligible nodes). */
  predicted: string | null;
  /** status.activeNodeName, as the platform wrote it; null when absent. */
  status: string | null;
  /** Nodes that carry the label egress-gateway.network.deckhouse.io/active-for-<gateway>. */
  labelled: string[];
  /** The node Cilium sends the traffic to: the first CiliumNode by name with that label; absent without CiliumNodes. */
  cilium?: string | null;
  /** Where prediction, status, label and Cilium disagree, in words; empty when they agree. */
  differences: string[];
}

export interface RenderedPolicy {
  name: string;
  /** The CiliumEgressGatewayPolicy the platform renders for it (the module's template). */
  rendered: Record<string, unknown>;
}

export interface GatewayExplanation {
  kind: 'EgressGateway';
  name: string;
  mode: string | null;
  sourceIP: string;
  nodeSelector: Record<string, string>;
  nodes: (NodeEligibility & { role: string })[];
  active: ActiveFacts;
  standby: string[];
  status: StatusFacts | null;
  policies: RenderedPolicy[];
}

export interface PolicyExplanation {
  kind: 'EgressGatewayPolicy';
  name: string;
  gateway: string | null;
  gatewayExists: boolean;
  /** A gateway of a close name, when the named one does not exist. */
  didYouMean?: string;
  /** The gateway's active node: predicted and from its status. */
  active: ActiveFacts | null;
  /** Destinations minus exclusions, as the data path matches them. */
  dataPath: { cidrs: string[]; more: number; skipped: string[] };
  /** Absent when the gateway does not exist: the platform then renders nothing. */
  rendered: Record<string, unknown> | null;
}

export interface NodeGatewayRole {
  gateway: string;
  /** active (predicted), standby N (predicted), or not eligible. */
  role: string;
  reasons: string[];
  /** Whether the gateway's status names this node as active. */
  statusActive: boolean;
  policies: readonly string[];
}

export interface NodeExplanation {
  kind: 'Node';
  name: string;
  eligibility: string[];
  gateways: NodeGatewayRole[];
}

export interface WhatIf {
  withoutNodes: string[];
  gateways: GatewayDrainImpact[];
  /** Any gateway that has an eligible node now and none after the drain. */
  losesEgress: boolean;
}

export type Explanation = (GatewayExplanation | PolicyExplanation | NodeExplanation) & { whatIf?: WhatIf };

export class NotFound extends Error {}

function statusFacts(gateway: Record<string, unknown>): StatusFacts | null {
  const status = getPath(gateway, 'status');
  if (!isPlainObject(status)) return null;
  const out: StatusFacts = {};
  const active = stringAt(status, 'activeNodeName');
  if (active) out.activeNodeName = active;
  if (typeof status['readyNodes'] === 'number') out.readyNodes = status['readyNodes'];
  const conditions = status['conditions'];
  const ready = Array.isArray(conditions) ? conditions.find((c) => isPlainObject(c) && c['type'] === 'Ready') : undefined;
  if (isPlainObject(ready) && typeof ready['status'] === 'string') {
    out.ready = { status: ready['status'] };
    if (typeof ready['reason'] === 'string') out.ready.reason = ready['reason'];
    if (typeof ready['message'] === 'string' && ready['message'] !== '') out.ready.message = ready['message'];
  }
  return out;
}

function sourceIPText(gw: GatewayInfo): string {
  if (gw.mode === virtualIPMode) return `virtual IP ${gw.ipText ?? '(none)'}, announced by the active node`;
  if (gw.mode === 'PrimaryIPFromEgressGatewayNodeInterface') return `primary IP of interface ${gw.interfaceName ?? '(none)'} of the active node`;
  return `unknown mode ${JSON.stringify(gw.mode ?? null)}`;
}

export const activeLabel = (gateway: string) => `${activeNodeLabelPrefix}${gateway}`;

function activeFacts(snap: ClusterSnapshot, gateway: string, predicted: string | undefined, drained: ReadonlySet<string>): ActiveFacts {
  const raw = snap.gateways.get(gateway);
  const status = raw ? (stringAt(raw, 'status', 'activeNodeName') ?? null) : null;
  const label = activeLabel(gateway);
  const labelled = snap.state.nodesMatching({ [label]: '' }).map((n) => n.name);
  const facts: ActiveFacts = { predicted: predicted ?? null, status, labelled, differences: [] };
  if (snap.ciliumNodes) {
    const first = snap.ciliumNodes
      .filter((c) => c.labels[label] === '')
      .map((c) => c.name)
      .sort()[0];
    facts.cilium = first ?? null;
  }
  const d = facts.differences;
  const whatIf = drained.size > 0 ? ' after the drain' : '';
  if (status === null) d.push('the platform has written no status.activeNodeName (not reconciled yet, or not in the cluster state)');
  else if (status !== facts.predicted) {
    d.push(
      facts.predicted === null
        ? `the status names ${status}, but no node is eligible${whatIf}`
        : `the status names ${status}, the prediction${whatIf} ${facts.predicted}: ${drained.has(status) ? `${status} is drained in this what-if` : 'the platform has not re-elected yet, or sees the nodes otherwise'}`,
    );
  }
  if (status !== null && !drained.has(status) && !(labelled.length === 1 && labelled[0] === status)) {
    d.push(labelled.length === 0 ? `no node carries the label ${label}` : `the label ${label} is on ${labelled.join(', ')}`);
  }
  if (facts.cilium !== undefined && facts.cilium !== (labelled[0] ?? null)) {
    d.push(`Cilium uses ${facts.cilium ?? 'no node'}: the first CiliumNode by name with the label, Ready or not (stale CiliumNode labels)`);
  }
  return facts;
}

function roleOf(n: NodeEligibility, predicted: string | undefined, standby: readonly string[]): string {
  if (!n.eligible) return 'not eligible';
  if (n.name === predicted) return 'active (predicted)';
  return `standby ${standby.indexOf(n.name) + 1} (predicted)`;
}

function renderFor(snap: ClusterSnapshot, gatewayName: string, policyName: string): Record<string, unknown> | null {
  const gw = snap.gateways.get(gatewayName);
  const policy = snap.policies.get(policyName);
  if (!gw || !policy) return null;
  return renderPolicy(policyName, policy, renderGateway(gatewayForRender(gatewayName, gw)));
}

function gatewayInfoOrThrow(snap: ClusterSnapshot, name: string): GatewayInfo {
  const gw = snap.state.gateway(name);
  if (!gw) {
    const known = [...snap.state.gatewayNames()].sort();
    throw new NotFound(`EgressGateway ${JSON.stringify(name)} not found in ${snap.source}${known.length ? ` (gateways: ${known.join(', ')})` : ''}`);
  }
  return gw;
}

export function explainGateway(snap: ClusterSnapshot, name: string, drained: ReadonlySet<string> = new Set()): GatewayExplanation {
  const gw = gatewayInfoOrThrow(snap, name);
  const facts = gatewayNodeFacts(snap.state, gw, { drained });
  const raw = snap.gateways.get(name)!;
  return {
    kind: 'EgressGateway',
    name,
    mode: gw.mode ?? null,
    sourceIP: sourceIPText(gw),
    nodeSelector: stringMapAt(raw, 'spec', 'nodeSelector') ?? {},
    // Active first, then standby in takeover order, then the others by name.
    nodes: facts.nodes
      .map((n) => ({ ...n, role: roleOf(n, facts.predictedActive, facts.standby) }))
      .sort((a, b) => rank(a, facts) - rank(b, facts) || (a.name < b.name ? -1 : 1)),
    active: activeFacts(snap, name, facts.predictedActive, drained),
    standby: facts.standby,
    status: statusFacts(raw),
    policies: facts.policies.map((p) => ({ name: p, rendered: renderFor(snap, name, p)! })).filter((p) => p.rendered !== null),
  };
}

function rank(n: NodeEligibility, facts: { predictedActive?: string; standby: readonly string[] }): number {
  if (n.name === facts.predictedActive) return 0;
  const i = facts.standby.indexOf(n.name);
  return i >= 0 ? 1 + i : 1_000_000;
}

export function explainPolicy(snap: ClusterSnapshot, name: string, drained: ReadonlySet<string> = new Set()): PolicyExplanation {
  const policy = snap.policies.get(name);
  if (!policy) {
    const known = [...snap.policies.keys()].sort();
    throw new NotFound(`EgressGatewayPolicy ${JSON.stringify(name)} not found in ${snap.source}${known.length ? ` (policies: ${known.join(', ')})` : ''}`);
  }
  const gatewayName = stringAt(policy, 'spec', 'egressGatewayName') ?? null;
  const gw = gatewayName === null ? undefined : snap.state.gateway(gatewayName);
  const list = (k: string) => {
    const v = getPath(policy, 'spec', k);
    return Array.isArray(v) ? v : [];
  };
  const predicted = gw ? gatewayNodeFacts(snap.state, gw, { drained }).predictedActive : undefined;
  const close = gw || gatewayName === null ? [] : closest(gatewayName, snap.state.gatewayNames(), 1);
  return {
    kind: 'EgressGatewayPolicy',
    name,
    gateway: gatewayName,
    gatewayExists: gw !== undefined,
    ...(close[0] === undefined ? {} : { didYouMean: close[0] }),
    active: gw ? activeFacts(snap, gw.name, predicted, drained) : null,
    dataPath: cidrDifference(list('destinationCIDRs'), list('excludedCIDRs')),
    rendered: gw ? renderFor(snap, gw.name, name) : null,
  };
}

export function explainNode(snap: ClusterSnapshot, name: string, drained: ReadonlySet<string> = new Set()): NodeExplanation {
  const node = snap.state.nodesMatching({}).find((n) => n.name === name);
  if (!node) throw new NotFound(`Node ${JSON.stringify(name)} not found in ${snap.source}`);
  const gateways: NodeGatewayRole[] = [];
  for (const gwName of [...snap.state.gatewayNames()].sort()) {
    const gw = snap.state.gateway(gwName)!;
    const facts = gatewayNodeFacts(snap.state, gw, { drained });
    const mine = facts.nodes.find((n) => n.name === name);
    if (!mine) continue;
    gateways.push({
      gateway: gwName,
      role: roleOf(mine, facts.predictedActive, facts.standby),
      reasons: mine.reasons,
      statusActive: gw.activeNodeName === name,
      policies: facts.policies,
    });
  }
  const agents = snap.state.agents(name);
  const eligibility = [
    node.ready ? 'Ready' : 'not Ready',
    node.unschedulable ? 'cordoned' : drained.has(name) ? drainedReason : 'schedulable',
    agents.cilium ? 'cilium agent Ready' : 'no Ready cilium agent',
    agents.egressGateway ? 'egress-gateway agent Ready' : 'no Ready egress-gateway agent (needed in VirtualIPAddress mode only)',
  ];
  return { kind: 'Node', name, eligibility, gateways };
}

export function whatIf(snap: ClusterSnapshot, drained: ReadonlySet<string>): WhatIf {
  const gateways = drainImpact(snap.state, drained);
  const loses: DrainOutcome = 'loses egress';
  return { withoutNodes: [...drained].sort(), gateways, losesEgress: gateways.some((g) => g.outcome === loses) };
}

/** Names of the known nodes, to check --without-node against. */
export function nodeNames(snap: ClusterSnapshot): string[] {
  return snap.state.nodesMatching({}).map((n) => n.name);
}

export { renderedName };
