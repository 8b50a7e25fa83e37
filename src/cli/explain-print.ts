import { stringify } from 'yaml';
import type { GatewayDrainImpact } from '../cluster/egress-nodes.js';
import type { ActiveFacts, Explanation, GatewayExplanation, NodeExplanation, PolicyExplanation, StatusFacts, WhatIf } from '../resources/explain.js';

// `explain` for people: short aligned lines, the rendered Cilium objects as YAML, the what-if last.

const indent = (text: string, by: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

const pad = (rows: string[][]): string[] => {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
};

const selectorText = (s: Record<string, string>) => {
  const pairs = Object.entries(s).map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(',') : '{} (every node)';
};

function statusLine(s: StatusFacts | null): string {
  if (!s) return 'none written by the platform';
  const parts = [`activeNodeName ${s.activeNodeName ?? '(none)'}`];
  if (s.readyNodes !== undefined) parts.push(`readyNodes ${s.readyNodes}`);
  if (s.ready) parts.push(`Ready ${s.ready.status}${s.ready.reason ? ` (${s.ready.reason})` : ''}`);
  return parts.join(', ');
}

function activeLines(a: ActiveFacts, out: string[], label: string): void {
  out.push(`  predicted:  ${a.predicted ?? 'none (no eligible node)'}   (sha256 order of "<gateway>#<node>" over the eligible nodes)`);
  out.push(`  status:     ${a.status ?? 'none'}`);
  out.push(`  labelled:   ${a.labelled.length ? a.labelled.join(', ') : 'no node'}   (${label})`);
  if (a.cilium !== undefined) out.push(`  Cilium:     ${a.cilium ?? 'no node'}   (first CiliumNode by name with that label)`);
  if (a.differences.length === 0) out.push('  prediction, status and label agree');
  for (const d of a.differences) out.push(`  differs:    ${d}`);
}

function gatewayText(e: GatewayExplanation, out: string[]): void {
  out.push(`EgressGateway ${e.name}`);
  out.push(`  mode:           ${e.mode ?? '(none)'}`);
  out.push(`  source IP:      ${e.sourceIP}`);
  out.push(`  node selector:  ${selectorText(e.nodeSelector)}`);
  out.push(`  status:         ${statusLine(e.status)}`);
  out.push('');
  out.push(`Nodes the selector matches (${e.nodes.length}):`);
  if (e.nodes.length === 0) out.push('  none: the traffic of its policies is dropped');
  out.push(...pad(e.nodes.map((n) => ['  ' + n.name, n.eligible ? 'eligible' : 'not eligible', n.eligible ? n.role : n.reasons.join(', ')])));
  out.push('');
  out.push('Active node:');
  activeLines(e.active, out, `egress-gateway.network.deckhouse.io/active-for-${e.name}`);
  out.push(`Standby: ${e.standby.length ? e.standby.join(', ') : 'none (no failover)'}`);
  out.push('');
  out.push(`Policies (${e.policies.length}):${e.policies.length ? '' : ' none'}`);
  for (const p of e.policies) {
    out.push(`  ${p.name}, rendered by the platform as:`);
    out.push(indent(stringify(p.rendered), '    '));
  }
}

function policyText(e: PolicyExplanation, out: string[]): void {
  out.push(`EgressGatewayPolicy ${e.name}`);
  out.push(
    `  gateway:  ${e.gateway ?? '(none)'}${e.gateway !== null && !e.gatewayExists ? ` (not found${e.didYouMean ? `; did you mean ${e.didYouMean}?` : ''})` : ''}`,
  );
  if (!e.gatewayExists) out.push('  The platform renders nothing for this policy: its pods leave the cluster from their own nodes.');
  if (e.active) {
    out.push('');
    out.push('Active node of the gateway:');
    activeLines(e.active, out, `egress-gateway.network.deckhouse.io/active-for-${e.gateway}`);
  }
  out.push('');
  out.push(`Destinations as the data path ${e.rendered ? 'sees' : 'would see'} them (destinationCIDRs minus excludedCIDRs):`);
  if (e.dataPath.cidrs.length === 0) out.push('  none: this policy routes no traffic');
  for (const c of e.dataPath.cidrs) out.push(`  ${c}`);
  if (e.dataPath.more > 0) out.push(`  ... and ${e.dataPath.more} more`);
  if (e.dataPath.skipped.length) out.push(`  not CIDRs, ignored: ${e.dataPath.skipped.join(', ')}`);
  if (e.rendered) {
    out.push('');
    out.push('Rendered by the platform as:');
    out.push(indent(stringify(e.rendered), '  '));
  }
}

function nodeText(e: NodeExplanation, out: string[]): void {
  out.push(`Node ${e.name}`);
  out.push(`  ${e.eligibility.join(', ')}`);
  out.push('');
  out.push(`Gateways whose selector matches it (${e.gateways.length}):${e.gateways.length ? '' : ' none'}`);
  out.push(
    ...pad(
      e.gateways.map((g) => [
        '  ' + g.gateway,
        `${g.role === 'not eligible' ? `not eligible: ${g.reasons.join(', ')}` : g.role}${g.statusActive ? ', active in its status' : ''}`,
        g.policies.length ? `policies: ${g.policies.join(', ')}` : 'no policies',
      ]),
    ),
  );
}

function impactLine(g: GatewayDrainImpact): string[] {
  let detail: string;
  if (g.outcome === 'loses egress') detail = g.policies.length ? `breaks policies ${g.policies.join(', ')}` : 'no policy uses it';
  else if (g.outcome === 'already without egress') detail = 'no eligible node before the drain either';
  else {
    const active = g.activeAfter === g.activeBefore ? `${g.activeAfter} stays active` : `${g.activeAfter} takes over from ${g.activeBefore ?? 'none'}`;
    const standby = g.eligibleAfter.filter((n) => n !== g.activeAfter);
    detail = `${active} (predicted)${standby.length ? `, standby ${standby.join(', ')}` : ''}`;
  }
  return ['  ' + g.gateway, g.outcome, detail];
}

function whatIfText(w: WhatIf, out: string[]): void {
  out.push('');
  out.push(`What if ${w.withoutNodes.join(', ')} ${w.withoutNodes.length === 1 ? 'is' : 'are'} drained:`);
  if (w.gateways.length === 0) out.push('  no gateway selects these nodes');
  out.push(...pad(w.gateways.map(impactLine)));
  out.push(w.losesEgress ? 'Not safe: a gateway loses egress (exit code 1).' : 'Safe: no gateway loses egress.');
}

export function explainText(e: Explanation): string {
  const out: string[] = [];
  if (e.whatIf) out.push(`(as if ${e.whatIf.withoutNodes.join(', ')} were drained)`);
  if (e.kind === 'EgressGateway') gatewayText(e, out);
  else if (e.kind === 'EgressGatewayPolicy') policyText(e, out);
  else nodeText(e, out);
  if (e.whatIf) whatIfText(e.whatIf, out);
  return `${out.join('\n')}\n`;
}
