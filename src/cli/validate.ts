import { computeDefaults, evaluate } from '../admission/admit.js';
import type { AdmissionRequest } from '../admission/envelope.js';
import type { AgentSelectors } from '../cluster/agents.js';
import { loadObject, loadStateFiles, stateFilesProblem } from '../cluster/file-state.js';
import { type Manifest, ManifestError, parseManifests } from '../cluster/manifests.js';
import { MemoryClusterState } from '../cluster/memory-state.js';
import type { RulesConfig } from '../resources/config.js';
import { kinds } from '../resources/registry.js';
import type { RuleId } from '../rules/catalogue.js';
import { duplicate, type FieldError, FieldPath, formatFieldError, invalid, required } from '../rules/field.js';
import { dns1123SubdomainErrors } from '../rules/kubernetes-names.js';
import { closest, didYouMean } from '../rules/suggest.js';
import { getPath, stringAt } from '../rules/values.js';
import type { InputFile } from './inputs.js';

// The offline check: every EgressGateway, EgressGatewayPolicy and CiliumEgressGatewayPolicy in the input,
// defaulted and validated by exactly the functions the webhook runs, against a cluster state made of the input
// itself plus any dumps. Before that, what `kubectl apply` and the API server would refuse on their own: a
// mistyped kind or apiVersion of these kinds, a missing or malformed name, the same object twice.

export interface Finding {
  severity: 'error' | 'warning';
  rule: string;
  /** The line kubectl would print: a field error, or a warning's text. */
  message: string;
  field?: string;
  /** 1-based line of the field in its file (the object's line when the finding names no field). */
  line: number;
}

export interface ResourceResult {
  file: string;
  line: number;
  kind: string;
  name: string;
  findings: Finding[];
}

export interface Unreadable {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ValidationReport {
  files: number;
  resources: ResourceResult[];
  unreadable: Unreadable[];
  /** Objects of kinds this command does not check. */
  ignored: number;
}

interface Located extends Manifest {
  file: string;
}

function groupVersionKind(object: Record<string, unknown>) {
  const apiVersion = stringAt(object, 'apiVersion') ?? '';
  const slash = apiVersion.indexOf('/');
  return {
    apiVersion,
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: stringAt(object, 'kind') ?? '',
  };
}

const guardedGroups = [...new Set(kinds.map((k) => k.group))];
const apiVersionPath = FieldPath.root('apiVersion');
const kindPath = FieldPath.root('kind');
const namePath = FieldPath.root('metadata').child('name');
const apiVersionOf = (k: { group: string; version: string }) => `${k.group}/${k.version}`;

/**
 * What kubectl would refuse before any rule runs, for objects that look like ours: a known kind under another
 * apiVersion, or a kind close to ours in one of our groups (other kinds of those groups are left alone:
 * Deckhouse and Cilium have many). undefined: not ours at all.
 */
export function kindErrors(object: Record<string, unknown>): FieldError[] | undefined {
  const { apiVersion, group, version, kind } = groupVersionKind(object);
  const known = kinds.find((k) => k.kind === kind);
  const nearGroup = (g: string) => guardedGroups.includes(g) || closest(g, guardedGroups).length > 0;
  if (known) {
    if (group === known.group && version === known.version) return [];
    if (group !== '' && !nearGroup(group) && !group.endsWith(known.group.split('.').slice(-2).join('.'))) return undefined; // someone else's kind of that name
    const hint = `did you mean ${JSON.stringify(apiVersionOf(known))}?`;
    return [invalid(apiVersionPath, apiVersion, `no matches for kind ${JSON.stringify(kind)} in this version (kubectl apply fails); ${hint}`)];
  }
  if (!guardedGroups.includes(group)) return undefined;
  const candidates = kinds.filter((k) => k.group === group).map((k) => k.kind);
  const hint = didYouMean(kind, candidates);
  if (!hint) return undefined;
  return [invalid(kindPath, kind, `no matches for this kind in version ${JSON.stringify(apiVersion)} (kubectl apply fails); ${hint}`)];
}

/** metadata.name as the API server checks it for these cluster-scoped kinds. */
export function nameErrors(object: Record<string, unknown>): FieldError[] {
  const name = getPath(object, 'metadata', 'name');
  if (name === undefined || name === null || name === '') return [required(namePath, 'name is required')];
  if (typeof name !== 'string') return [invalid(namePath, name, 'must be a string')];
  return dns1123SubdomainErrors(name).map((detail) => invalid(namePath, name, detail));
}

/** A warning's field: its own when it has one, else the path its text starts with. */
function warningField(w: { message: string; field?: unknown }): string | undefined {
  if (typeof w.field === 'string') return w.field;
  return /^((?:spec|metadata)(?:\.[A-Za-z0-9_]+|\[[^\]]*\])*)/.exec(w.message)?.[1];
}

function fieldFinding(rule: RuleId, e: FieldError, m: Located): Finding {
  return { severity: 'error', rule, field: e.field, message: formatFieldError(e), line: m.fieldLine(e.field) };
}

/** A --cluster-state file that cannot be used: the input is not at fault, so this is exit 2, not 1. */
export class ClusterStateError extends Error {}

async function loadClusterState(paths: readonly string[], agents: AgentSelectors) {
  try {
    return await loadStateFiles(paths, agents);
  } catch (e) {
    throw new ClusterStateError(stateFilesProblem(e));
  }
}

/** The rules keep the first 50 errors and 10 warnings of each rule; the rest are counted, and said so. */
function omitted(severity: Finding['severity'], n: number, line: number): Finding[] {
  return n > 0 ? [{ severity, rule: 'omitted', message: `... and ${n} more ${severity}s not shown`, line }] : [];
}

export async function validateManifests(
  inputs: readonly InputFile[],
  opts: { clusterState: readonly string[]; agents: AgentSelectors; rules: RulesConfig },
): Promise<ValidationReport> {
  const unreadable: Unreadable[] = [];
  const manifests: Located[] = [];
  for (const input of inputs) {
    try {
      for (const m of parseManifests(input.text, { positions: true })) manifests.push(Object.assign(m, { file: input.path }));
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      unreadable.push({ file: input.path, line: e.line, column: e.column, message: e.message });
    }
  }

  // Without a dump nothing is known of nodes and agents: leave them unsynced so node warnings stay quiet
  // instead of claiming that no node matches.
  const state = opts.clusterState.length > 0 ? await loadClusterState(opts.clusterState, opts.agents) : new MemoryClusterState(['nodes', 'pods']);
  // The input counts as applied: its gateways exist, whatever the order of files.
  for (const m of manifests) loadObject(state, m.object, opts.agents);

  const deps = { state, config: opts.rules };
  const resources: ResourceResult[] = [];
  const firstSeen = new Map<string, Located>();
  let ignored = 0;
  for (const m of manifests) {
    const kindProblems = kindErrors(m.object);
    if (kindProblems === undefined) {
      ignored++;
      continue;
    }
    const gvk = groupVersionKind(m.object);
    const name = stringAt(m.object, 'metadata', 'name') ?? '';
    const errors: [RuleId, FieldError][] = [
      ...kindProblems.map((e): [RuleId, FieldError] => ['manifest-kind', e]),
      ...nameErrors(m.object).map((e): [RuleId, FieldError] => ['manifest-name', e]),
    ];
    if (kindProblems.length === 0 && name !== '') {
      const key = `${gvk.group}/${gvk.kind}/${name}`;
      const first = firstSeen.get(key);
      if (first) {
        errors.push([
          'manifest-duplicate',
          duplicate(namePath, name, `${gvk.kind} ${JSON.stringify(name)} is also defined at ${first.file}:${first.line}; kubectl apply keeps only the last one`),
        ]);
      } else {
        firstSeen.set(key, m);
      }
    }
    const result: ResourceResult = { file: m.file, line: m.line, kind: gvk.kind, name, findings: errors.map(([rule, e]) => fieldFinding(rule, e, m)) };
    if (kindProblems.length > 0) {
      // kubectl stops here: there is no such resource to send to the webhook.
      resources.push(result);
      continue;
    }
    const request: AdmissionRequest = { uid: 'offline', kind: { group: gvk.group, version: gvk.version, kind: gvk.kind }, operation: 'CREATE', object: m.object };
    const defaulted = computeDefaults(request, deps);
    const evaluated = defaulted.skipped === undefined ? await evaluate({ ...request, object: defaulted.object }, deps) : undefined;
    if (evaluated === undefined || evaluated.skipped !== undefined) {
      ignored++; // a kind turned off with --kinds
      continue;
    }
    result.kind = evaluated.resource.kind;
    result.name = evaluated.name;
    result.findings.push(
      ...evaluated.findings.errors.map((e) => fieldFinding(e.rule, e, m)),
      ...evaluated.findings.warnings.map((w): Finding => {
        const field = warningField(w);
        return { severity: 'warning', rule: w.rule, message: w.message, line: field === undefined ? m.line : m.fieldLine(field) };
      }),
      ...omitted('error', evaluated.findings.errorCount - evaluated.findings.errors.length, m.line),
      ...omitted('warning', evaluated.findings.warningCount - evaluated.findings.warnings.length, m.line),
    );
    resources.push(result);
  }
  return { files: inputs.length, resources, unreadable, ignored };
}
