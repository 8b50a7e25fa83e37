import { readFile } from 'node:fs/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { AgentSelectors } from '../cluster/agents.js';
import { statusCodeOf } from '../cluster/api-errors.js';
import { loadObject } from '../cluster/file-state.js';
import { loadKubeConfig } from '../cluster/kubeconfig.js';
import { LiveClusterState } from '../cluster/live-state.js';
import { ManifestError, parseManifests } from '../cluster/manifests.js';
import { MemoryClusterState } from '../cluster/memory-state.js';
import { type GuardedKind, ObjectStore } from '../cluster/object-store.js';
import { egressGroup } from '../cluster/objects.js';
import type { ClusterState } from '../cluster/state.js';
import type { RulesConfig } from '../resources/config.js';
import { needsDeckhouseGroup } from '../resources/registry.js';
import { stringAt } from '../rules/values.js';
import { type AuditResult, auditAll, hasDeny } from '../server/audit.js';
import { oneOf, parseFlags, positiveInt, UsageError } from './flags.js';
import { agentSelectorsFrom, rulesConfigFrom, rulesFlagOptions, rulesFlagUsage } from './rules-flags.js';

export const auditUsage = `Usage: egress-gateway-webhook audit (--live | --kubeconfig FILE | --cluster-state FILE ...) [flags]

Checks every stored EgressGateway, EgressGatewayPolicy and CiliumEgressGatewayPolicy with the webhook's rules, as
if each were created now, against the current nodes and agents: what became wrong after it was admitted, or was
never admitted by this webhook. Exit code: 0 no deny-level finding (warnings allowed), 1 at least one, 2 usage
error or the cluster could not be read.

  --live                            read the cluster: in-cluster config, else KUBECONFIG or ~/.kube/config
  --kubeconfig FILE                 read the cluster of this kubeconfig (implies --live)
  --context NAME                    the kubeconfig context to use (implies --live; default: its current context)
  --cluster-state FILE              a dump instead (kubectl get nodes,pods,egressgateways,egressgatewaypolicies,
                                    ciliumegressgatewaypolicies -A -o yaml), repeatable
  -o, --output table|json           output format (default table)
  --timeout SECONDS                 longest wait for the cluster's lists (default 60)
${rulesFlagUsage}`;

const groups: Record<GuardedKind, string> = {
  EgressGateway: egressGroup,
  EgressGatewayPolicy: egressGroup,
  CiliumEgressGatewayPolicy: 'cilium.io',
};

interface Loaded {
  state: ClusterState;
  objects: ObjectStore;
  notes: string[];
  stop?: () => void;
}

async function fromFiles(paths: readonly string[], agents: AgentSelectors): Promise<Loaded> {
  const state = new MemoryClusterState();
  const objects = new ObjectStore();
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new Error(`cluster state ${path}: ${(e as Error).message}`);
    }
    let manifests;
    try {
      manifests = parseManifests(text);
    } catch (e) {
      if (e instanceof ManifestError) throw new Error(`cluster state ${path}:${e.line}: ${e.message}`);
      throw e;
    }
    for (const { object } of manifests) {
      loadObject(state, object, agents);
      const kind = stringAt(object, 'kind') as GuardedKind;
      if (kind in groups && stringAt(object, 'apiVersion')?.startsWith(`${groups[kind]}/`)) objects.put(kind, object);
    }
  }
  return { state, objects, notes: [] };
}

async function fromCluster(kubeconfig: string, context: string | undefined, agents: AgentSelectors, rules: RulesConfig, timeoutMs: number): Promise<Loaded> {
  const kubeConfig = loadKubeConfig(kubeconfig || undefined, '--live: no cluster to read', 'pass --kubeconfig FILE, or --cluster-state FILE to audit a dump of one', context);
  const objects = new ObjectStore();
  const logger = pino({ level: 'error' }, process.stderr);
  const live = new LiveClusterState({ kubeConfig, agents, deckhouse: needsDeckhouseGroup(rules.kinds), logger, objects });
  const notes: string[] = [];
  if (rules.kinds.includes('CiliumEgressGatewayPolicy')) {
    // Listed once, here: a cluster without Cilium's CRD simply has none.
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    try {
      let token: string | undefined;
      do {
        const page = (await custom.listClusterCustomObject({
          group: 'cilium.io',
          version: 'v2',
          plural: 'ciliumegressgatewaypolicies',
          limit: 500,
          ...(token ? { _continue: token } : {}),
        })) as { items?: unknown[]; metadata?: { continue?: string } };
        for (const item of page.items ?? []) objects.put('CiliumEgressGatewayPolicy', item);
        token = page.metadata?.continue || undefined;
      } while (token);
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw new Error(`listing ciliumegressgatewaypolicies: ${(err as Error).message}`);
      notes.push('CiliumEgressGatewayPolicy: the CRD is not installed; none checked');
    }
  }
  live.start();
  const end = Date.now() + timeoutMs;
  while (!live.store.syncStatus().synced) {
    if (Date.now() > end) {
      live.stop();
      throw new Error(`the cluster's lists did not arrive within ${timeoutMs / 1000} s: ${live.store.syncStatus().pending.join(', ')} pending`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { state: live.store, objects, notes, stop: () => live.stop() };
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));

export function auditTable(results: readonly AuditResult[], notes: readonly string[]): string {
  const rows: string[][] = [];
  for (const r of results) for (const f of r.findings) rows.push([r.kind, r.name, f.severity, f.rule, f.message]);
  const lines: string[] = [];
  if (rows.length > 0) {
    const header = ['KIND', 'NAME', 'SEVERITY', 'RULE', 'MESSAGE'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) lines.push(row.map((c, i) => (i === row.length - 1 ? c : pad(c, widths[i]!))).join('  '));
  }
  for (const n of notes) lines.push(`note: ${n}`);
  lines.push(summary(results));
  return `${lines.join('\n')}\n`;
}

function summary(results: readonly AuditResult[]): string {
  const deny = results.filter(hasDeny).length;
  const warn = results.filter((r) => !hasDeny(r) && r.findings.length > 0).length;
  const skipped = results.filter((r) => r.skipped !== undefined).length;
  const n = results.length;
  return `${n} object${n === 1 ? '' : 's'} audited: ${deny} with deny-level findings, ${warn} with warnings only${skipped ? `, ${skipped} skipped` : ''}`;
}

export function auditJSON(results: readonly AuditResult[], notes: readonly string[]): string {
  const out = {
    summary: {
      objects: results.length,
      withDeny: results.filter(hasDeny).length,
      withWarningsOnly: results.filter((r) => !hasDeny(r) && r.findings.length > 0).length,
    },
    objects: results.map((r) => ({
      kind: r.kind,
      name: r.name,
      ...(r.skipped ? { skipped: r.skipped } : {}),
      findings: r.findings,
      ...(r.gateway ? { gateway: r.gateway } : {}),
    })),
    notes,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

export async function auditCommand(args: string[], io: { stdout: NodeJS.WritableStream }): Promise<number> {
  const values = parseFlags(args, {
    live: { type: 'boolean' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    'cluster-state': { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...rulesFlagOptions,
  });
  if (values.help) {
    io.stdout.write(auditUsage);
    return 0;
  }
  const live = values.live === true || values.kubeconfig !== undefined || values.context !== undefined;
  const files = values['cluster-state'] ?? [];
  if (live && files.length > 0) throw new UsageError('--cluster-state reads files; it does not go with --live, --kubeconfig or --context');
  if (!live && files.length === 0) throw new UsageError('say what to audit: --live, --kubeconfig FILE or --cluster-state FILE');
  const format = oneOf<'table' | 'json'>('--output', values.output, ['table', 'json'], 'table');
  const rules = rulesConfigFrom(values);
  const agents = agentSelectorsFrom(values);
  const timeoutMs = positiveInt('--timeout', values.timeout, 60) * 1000;

  let loaded: Loaded;
  try {
    loaded = live ? await fromCluster(values.kubeconfig ?? '', values.context, agents, rules, timeoutMs) : await fromFiles(files, agents);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const results = await auditAll(loaded.objects, loaded.state, rules);
    io.stdout.write(format === 'json' ? auditJSON(results, loaded.notes) : auditTable(results, loaded.notes));
    return results.some(hasDeny) ? 1 : 0;
  } finally {
    loaded.stop?.();
  }
}
