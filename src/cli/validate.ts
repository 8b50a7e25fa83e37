import { computeDefaults, evaluate } from '../admission/admit.js';
import type { AdmissionRequest } from '../admission/envelope.js';
import type { AgentSelectors } from '../cluster/agents.js';
import { loadObject, loadStateFiles } from '../cluster/file-state.js';
import { type Manifest, ManifestError, parseManifests } from '../cluster/manifests.js';
import { MemoryClusterState } from '../cluster/memory-state.js';
import type { RulesConfig } from '../resources/config.js';
import { formatFieldError } from '../rules/field.js';
import type { RuleError } from '../rules/findings.js';
import { stringAt } from '../rules/values.js';
import type { InputFile } from './inputs.js';

// The offline check: every EgressGateway and EgressGatewayPolicy in the input, defaulted and validated by
// exactly the functions the webhook runs, against a cluster state made of the input itself plus any dumps.

export interface Finding {
  severity: 'error' | 'warning';
  rule: string;
  /** The line kubectl would print: a field error, or a warning's text. */
  message: string;
  field?: string;
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
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: stringAt(object, 'kind') ?? '',
  };
}

/** The rules keep the first 50 errors and 10 warnings of each rule; the rest are counted, and said so. */
function omitted(severity: Finding['severity'], n: number): Finding[] {
  return n > 0 ? [{ severity, rule: 'omitted', message: `... and ${n} more ${severity}s not shown` }] : [];
}

function fieldFinding(e: RuleError): Finding {
  return { severity: 'error', rule: e.rule, field: e.field, message: formatFieldError(e) };
}

export async function validateManifests(
  inputs: readonly InputFile[],
  opts: { clusterState: readonly string[]; agents: AgentSelectors; rules: RulesConfig },
): Promise<ValidationReport> {
  const unreadable: Unreadable[] = [];
  const manifests: Located[] = [];
  for (const input of inputs) {
    try {
      for (const m of parseManifests(input.text)) manifests.push({ ...m, file: input.path });
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      unreadable.push({ file: input.path, line: e.line, column: e.column, message: e.message });
    }
  }

  // Without a dump nothing is known of nodes and agents: leave them unsynced so node warnings stay quiet
  // instead of claiming that no node matches.
  const state = opts.clusterState.length > 0 ? await loadStateFiles(opts.clusterState, opts.agents) : new MemoryClusterState(['nodes', 'pods']);
  // The input counts as applied: its gateways exist, whatever the order of files.
  for (const m of manifests) loadObject(state, m.object, opts.agents);

  const deps = { state, config: opts.rules };
  const resources: ResourceResult[] = [];
  let ignored = 0;
  for (const m of manifests) {
    const request: AdmissionRequest = { uid: 'offline', kind: groupVersionKind(m.object), operation: 'CREATE', object: m.object };
    const defaulted = computeDefaults(request, deps);
    if (defaulted.skipped !== undefined) {
      ignored++;
      continue;
    }
    const result = await evaluate({ ...request, object: defaulted.object }, deps);
    if (result.skipped !== undefined) {
      ignored++;
      continue;
    }
    resources.push({
      file: m.file,
      line: m.line,
      kind: result.resource.kind,
      name: result.name,
      findings: [
        ...result.findings.errors.map(fieldFinding),
        ...omitted('error', result.findings.errorCount - result.findings.errors.length),
        ...result.findings.warnings.map((w): Finding => ({ severity: 'warning', rule: w.rule, message: w.message })),
        ...omitted('warning', result.findings.warningCount - result.findings.warnings.length),
      ],
    });
  }
  return { files: inputs.length, resources, unreadable, ignored };
}
