import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { warnNodeRequest } from '../../src/admission/node-warnings.js';
import { parseManifests } from '../../src/cluster/manifests.js';
import { nodeInfo } from '../../src/cluster/objects.js';
import { computeDefaults, evaluate } from '../../src/admission/admit.js';
import { validateManifests } from '../../src/cli/validate.js';
import type { AdmissionRequest } from '../../src/admission/envelope.js';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { loadStateFiles } from '../../src/cluster/file-state.js';
import { MemoryClusterState } from '../../src/cluster/memory-state.js';
import type { ClusterState, GatewayInfo } from '../../src/cluster/state.js';
import { defaultRulesConfig } from '../../src/resources/config.js';
import { kinds } from '../../src/resources/registry.js';
import { catalogue, type KindName, type NodeRuleEntry, type NodeRuleExample, nodeRules, type RuleEntry, type RuleExample, ruleIds } from '../../src/rules/catalogue.js';
import { formatFieldError } from '../../src/rules/field.js';
import { fromRoot } from '../helpers/paths.js';

// Runs the catalogue's examples the way the API server would (mutating webhook, then validating webhook) and
// renders the README's rule tables from the catalogue and what the examples really print.

/** A state whose caches never synced and whose API server does not answer. */
export class UnsyncedState extends MemoryClusterState {
  constructor() {
    super(['nodes']);
  }
  override async fetchGateway(): Promise<GatewayInfo | undefined> {
    throw new Error('no API server');
  }
}

export interface ExampleResult {
  errors: { rule: string; message: string }[];
  warnings: { rule: string; message: string }[];
}

let exampleState: Promise<ClusterState> | undefined;

export function exampleObject(entry: RuleEntry, ex: RuleExample): Record<string, unknown> {
  const kind: KindName = ex.kind ?? entry.kinds[0]!;
  const d = kinds.find((k) => k.kind === kind)!;
  const object: Record<string, unknown> = { apiVersion: `${d.group}/${d.version}`, kind, metadata: { name: ex.name ?? 'example' } };
  if (ex.spec !== undefined) object['spec'] = structuredClone(ex.spec);
  return object;
}

/** A manifest-stage example, through the offline command as a file of one or two documents. */
async function runManifestExample(ex: RuleExample): Promise<ExampleResult> {
  const doc = stringify(ex.manifest);
  const text = ex.twice ? `${doc}---\n${doc}` : doc;
  const report = await validateManifests([{ path: 'example.yaml', text }], { clusterState: [], agents: deckhouseAgents, rules: defaultRulesConfig });
  const findings = report.resources.flatMap((r) => r.findings);
  return {
    errors: findings.filter((f) => f.severity === 'error').map((f) => ({ rule: f.rule, message: f.message })),
    warnings: findings.filter((f) => f.severity === 'warning').map((f) => ({ rule: f.rule, message: f.message })),
  };
}

export async function runExample(entry: RuleEntry, ex: RuleExample): Promise<ExampleResult> {
  if (entry.stage === 'manifest') return runManifestExample(ex);
  exampleState ??= loadStateFiles([fromRoot('examples/cluster-state.yaml')], deckhouseAgents);
  const state = ex.state === 'unsynced' ? new UnsyncedState() : await exampleState;
  const object = exampleObject(entry, ex);
  const d = kinds.find((k) => k.kind === object['kind'])!;
  const operation = ex.operation ?? 'CREATE';
  const request: AdmissionRequest = { uid: 'example', kind: { group: d.group, version: d.version, kind: d.kind }, operation, name: ex.name ?? 'example' };
  const deps = { state, config: defaultRulesConfig };
  if (operation === 'DELETE') {
    request.oldObject = object;
  } else {
    const defaulted = computeDefaults({ ...request, object }, deps);
    request.object = defaulted.skipped === undefined ? defaulted.object : object;
    if (ex.oldSpec !== undefined) request.oldObject = { ...object, spec: ex.oldSpec };
  }
  const result = await evaluate(request, deps);
  if (result.skipped !== undefined) throw new Error(`example of ${entry.id} was skipped: ${result.skipped}`);
  return {
    errors: result.findings.errors.map((e) => ({ rule: e.rule, message: formatFieldError(e) })),
    warnings: result.findings.warnings.map((w) => ({ rule: w.rule, message: w.message })),
  };
}

const effectText = (entry: RuleEntry) =>
  typeof entry.effect === 'string' ? entry.effect : `${entry.effect.default} (set by \`${entry.effect.configurable}\`)`;

// Markdown table cells: a pipe would end the cell.
const cell = (s: string) => s.replace(/\|/g, '\\|');
const code = (s: string) => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

const sections: { title: string; kinds: readonly KindName[] }[] = [
  { title: 'Every kind', kinds: ['EgressGateway', 'EgressGatewayPolicy', 'CiliumEgressGatewayPolicy'] },
  { title: 'Manifests (the offline command only)', kinds: ['EgressGateway', 'EgressGatewayPolicy', 'CiliumEgressGatewayPolicy'] },
  { title: 'EgressGateway', kinds: ['EgressGateway'] },
  { title: 'EgressGatewayPolicy', kinds: ['EgressGatewayPolicy'] },
  { title: 'EgressGatewayPolicy and EgressGateway (the rendered CiliumEgressGatewayPolicy)', kinds: ['EgressGatewayPolicy', 'EgressGateway'] },
  { title: 'Both policy kinds', kinds: ['EgressGatewayPolicy', 'CiliumEgressGatewayPolicy'] },
  { title: 'EgressGateway and CiliumEgressGatewayPolicy', kinds: ['EgressGateway', 'CiliumEgressGatewayPolicy'] },
  { title: 'CiliumEgressGatewayPolicy', kinds: ['CiliumEgressGatewayPolicy'] },
];

const sameKinds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k) => b.includes(k));

/** The example cluster's node, changed as a node rule's example says. */
export function changedNode(node: unknown, change: NodeRuleExample['change']): any {
  const out = structuredClone(node) as any;
  if (change.unschedulable !== undefined) out.spec = { ...out.spec, unschedulable: change.unschedulable };
  for (const [k, v] of Object.entries(change.labels ?? {})) {
    if (v === null) delete out.metadata.labels[k];
    else out.metadata.labels[k] = v;
  }
  return out;
}

/** A node rule's example through the Node UPDATE webhook's decision, on the example cluster (some nodes cordoned). */
async function runNodeExample(ex: NodeRuleExample): Promise<string[]> {
  const text = readFileSync(fromRoot('examples/cluster-state.yaml'), 'utf8');
  const nodes = new Map<string, unknown>(parseManifests(text).flatMap((m) => ((m.object as any).kind === 'Node' ? [[(m.object as any).metadata.name, m.object]] : [])));
  const state = await loadStateFiles([fromRoot('examples/cluster-state.yaml')], deckhouseAgents);
  for (const n of ex.cordoned ?? []) state.upsertNode(nodeInfo(changedNode(nodes.get(n), { unschedulable: true }))!);
  const request: AdmissionRequest = {
    uid: 'example',
    kind: { group: '', version: 'v1', kind: 'Node' },
    operation: 'UPDATE',
    name: ex.node,
    object: changedNode(nodes.get(ex.node), ex.change),
    oldObject: nodes.get(ex.node),
  };
  const decision = await warnNodeRequest(request, { state });
  return [...(decision.response.warnings ?? [])];
}

/** The README's rule tables: one per set of kinds, one row per rule, with the message of each failing example. */
export async function ruleTables(): Promise<string> {
  const out: string[] = [];
  const listed = new Set<string>();
  for (const section of sections) {
    const manifestSection = section.title.startsWith('Manifests');
    const entries = (catalogue as readonly RuleEntry[]).filter((e) => sameKinds(e.kinds, section.kinds) && (e.stage === 'manifest') === manifestSection);
    for (const e of entries) listed.add(e.id);
    if (entries.length === 0) continue;
    out.push(`#### ${section.title}`, '', '| rule | effect | what is checked | what kubectl prints (from the rule\'s examples) |', '| --- | --- | --- | --- |');
    for (const entry of entries) {
      const shown: string[] = [];
      for (const ex of entry.fails) {
        const r = await runExample(entry, ex);
        const own = [...r.errors, ...r.warnings].find((x) => x.rule === entry.id);
        if (!own) throw new Error(`a failing example of ${entry.id} finds nothing of that rule`);
        const text = `${ex.shows ? `${ex.shows}: ` : ''}${code(own.message)}`;
        // Examples of two kinds may print the same line: once is enough.
        if (!shown.includes(text)) shown.push(text);
      }
      out.push(`| \`${entry.id}\` | ${effectText(entry)} | ${cell(entry.summary)} | ${cell(shown.join('<br>'))} |`);
    }
    out.push('');
  }
  out.push('#### Node updates (the optional `POST /warn-node` webhook)', '', '| rule | effect | what is checked | what kubectl prints (from the rule\'s examples) |', '| --- | --- | --- | --- |');
  for (const entry of nodeRules as readonly NodeRuleEntry[]) {
    listed.add(entry.id);
    const shown: string[] = [];
    for (const ex of entry.fails) {
      const own = (await runNodeExample(ex)).find((w) => (entry.id === 'node-update-loses-egress' ? / loses egress: / : / has no standby left: /).test(w));
      if (!own) throw new Error(`a failing example of ${entry.id} finds nothing of that rule`);
      shown.push(`${ex.shows ? `${ex.shows}: ` : ''}${code(own)}`);
    }
    out.push(`| \`${entry.id}\` | ${entry.effect} | ${cell(entry.summary)} | ${cell(shown.join('<br>'))} |`);
  }
  out.push('');
  const missing = ruleIds.filter((id) => !listed.has(id));
  if (missing.length > 0) throw new Error(`rules in no table of the README: ${missing.join(', ')}`);
  return out.join('\n');
}

/** The values the metrics' `rule` label can take. */
export function ruleLabelValues(): string {
  return ruleIds.map((id) => `\`${id}\``).join(', ');
}

export const markers = {
  rules: ['<!-- rule tables: generated by `npm run docs` from the rule catalogue; do not edit -->', '<!-- end of rule tables -->'],
  ruleLabels: ['<!-- rule label values: generated by `npm run docs` -->', '<!-- end of rule label values -->'],
} as const;

/** The README with both generated blocks replaced. */
export async function withGeneratedDocs(readme: string): Promise<string> {
  const replace = (text: string, [begin, end]: readonly [string, string], body: string) => {
    const a = text.indexOf(begin);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README lacks the markers ${begin} ... ${end}`);
    return `${text.slice(0, a + begin.length)}\n${body.trimEnd()}\n${text.slice(b)}`;
  };
  let text = replace(readme, markers.rules, await ruleTables());
  text = replace(text, markers.ruleLabels, ruleLabelValues());
  return text;
}
