import { nodeChangeOutcomes } from '../cluster/egress-nodes.js';
import { nodeInfo } from '../cluster/objects.js';
import type { ClusterState, NodeInfo } from '../cluster/state.js';
import { Findings } from '../rules/findings.js';
import { getPath, isPlainObject } from '../rules/values.js';
import { limitWarnings, packList, truncate } from '../rules/warnings.js';
import type { AdmissionResponse, Decision } from './admit.js';
import type { AdmissionRequest } from './envelope.js';

// The maintenance-time warnings (POST /warn-node): a Node UPDATE that cordons or relabels a node is answered with
// warnings when it takes a gateway's standby or its last eligible node. It never denies, and it answers from
// memory only (no API call, no await): registered with failurePolicy Ignore and a 2 s timeout, it must never be
// what slows a node update.

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

function how(before: NodeInfo, after: NodeInfo): string {
  const cordoned = after.unschedulable && !before.unschedulable;
  const relabelled = !sameLabels(before.labels, after.labels);
  return cordoned && relabelled ? 'cordoned and relabelled' : cordoned ? 'cordoned' : 'relabelled';
}

/** The warnings of one node change, as findings. */
export function nodeChangeWarnings(state: ClusterState, before: NodeInfo, after: NodeInfo): Findings {
  const f = new Findings();
  const change = `${after.name} ${how(before, after)}`;
  const withPolicies = (head: string, gateway: string) => {
    const policies = state.policiesUsingGateway(gateway);
    return policies.length ? packList(`${head}; policies`, policies) : truncate(`${head}; no policy uses it`);
  };
  for (const g of nodeChangeOutcomes(state, before, after)) {
    if (g.outcome === 'loses egress') {
      f.warn('node-update-loses-egress', withPolicies(`EgressGateway ${g.gateway} loses egress: ${change}, no standby remains`, g.gateway));
    } else if (g.outcome === 'no standby left' && g.eligibleBefore >= 2) {
      f.warn('node-update-no-standby', withPolicies(`EgressGateway ${g.gateway} has no standby left: ${change}, only ${g.remaining} remains`, g.gateway));
    }
  }
  return f;
}

function allowed(request: AdmissionRequest, name: string, skipped?: string): Decision {
  return { response: { uid: request.uid, allowed: true }, verdict: skipped ? 'skipped' : 'allowed', ...(skipped ? { skipped } : {}), kind: 'Node', name, rules: [] };
}

/**
 * Labels a node may have for its update to be compared: real nodes have tens to a few hundred. Copying and
 * comparing 190,000 of them took half a second, in a webhook that must never slow a node update.
 */
export const maxNodeLabels = 10_000;

function labelCount(node: unknown): number {
  const labels = getPath(node, 'metadata', 'labels');
  return isPlainObject(labels) ? Object.keys(labels).length : 0;
}

/** The answer to a Node review: always allowed, with warnings when the change costs a gateway its standby. */
export function warnNodeRequest(request: AdmissionRequest, deps: { state: ClusterState }): Decision {
  const name = request.name ?? '';
  const { group, kind } = request.kind;
  if (group !== '' || kind !== 'Node') return allowed(request, name, `kind ${group}/${kind} is not a Node`);
  if (request.operation !== 'UPDATE' || request.subResource) return allowed(request, name, request.subResource ? `subresource ${request.subResource}` : request.operation);
  if (labelCount(request.oldObject) > maxNodeLabels || labelCount(request.object) > maxNodeLabels) return allowed(request, name, `node has more than ${maxNodeLabels} labels`);
  const before = nodeInfo(request.oldObject);
  const after = nodeInfo(request.object);
  if (!before || !after) return allowed(request, name, 'no node in the request');
  // API servers before 1.28 have no matchConditions: every node update arrives here, most change neither.
  if (before.unschedulable === after.unschedulable && sameLabels(before.labels, after.labels)) {
    return allowed(request, after.name, 'neither spec.unschedulable nor labels changed');
  }
  if (!deps.state.syncStatus().synced) return allowed(request, after.name, 'cluster state not synced');
  const f = nodeChangeWarnings(deps.state, before, after);
  const response: AdmissionResponse = { uid: request.uid, allowed: true };
  const warnings = limitWarnings({ warnings: f.warnings, warningCount: f.warnings.length });
  if (warnings.length > 0) response.warnings = warnings;
  const warnedBy = new Map<string, number>();
  for (const w of f.warnings) warnedBy.set(w.rule, (warnedBy.get(w.rule) ?? 0) + 1);
  return { response, verdict: 'allowed', kind: 'Node', name: after.name, rules: [...warnedBy.keys()], warnedBy };
}
