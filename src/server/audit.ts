import { evaluate } from '../admission/admit.js';
import type { AdmissionRequest } from '../admission/envelope.js';
import { gatewayNodes } from '../cluster/eligibility.js';
import type { GuardedKind, StoredObject } from '../cluster/object-store.js';
import type { ClusterState, GatewayInfo, NodeInfo } from '../cluster/state.js';
import type { RulesConfig } from '../resources/config.js';
import { kinds } from '../resources/registry.js';
import type { RuleId } from '../rules/catalogue.js';
import { formatFieldError } from '../rules/field.js';
import { getPath } from '../rules/values.js';

// One stored object, checked by exactly the code that admits it (evaluate, with the catalogue's rule ids and
// messages), as if it were created now: an object that would be refused today is a deny-level finding, even if
// the ratchets of UPDATE would still let it be edited.

export type Severity = 'deny' | 'warn';

export interface AuditFinding {
  rule: RuleId;
  severity: Severity;
  /** For a field error the line kubectl prints for it; for a warning its text. */
  message: string;
  field?: string;
}

export interface GatewayHealth {
  eligibleNodes: number;
  hasStandby: boolean;
}

export interface AuditResult {
  kind: GuardedKind;
  name: string;
  uid?: string;
  findings: AuditFinding[];
  /** EgressGateways: how many nodes can carry its traffic now. */
  gateway?: GatewayHealth;
  /** Why the object was not checked (its kind is not enabled, it is being deleted). */
  skipped?: string;
}

/**
 * The same state for an audit: a gateway the cache does not hold is missing (an audit never asks the API
 * server), and the nodes a selector matches are remembered until `forget()` (the auditor calls it on every
 * change): a thousand gateways on the same egress nodes then cost one index lookup, not a thousand.
 */
export function auditView(state: ClusterState): ClusterState & { forget(): void } {
  const matching = new Map<string, NodeInfo[]>();
  const own: Record<string, unknown> = {
    fetchGateway: async (name: string) => state.gateway(name),
    forget: () => matching.clear(),
    nodesMatching: (selector: Readonly<Record<string, string>>) => {
      const key = JSON.stringify(Object.entries(selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      let nodes = matching.get(key);
      if (!nodes) matching.set(key, (nodes = state.nodesMatching(selector)));
      // Callers may sort or filter what they get.
      return [...nodes];
    },
  };
  // Every other method is the state's own, bound once (a Proxy keeps this working as the interface grows).
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(state, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in own) return own[prop];
      let v = bound.get(prop);
      if (v !== undefined) return v;
      v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = (v as (...a: unknown[]) => unknown).bind(target);
      bound.set(prop, fn);
      return fn;
    },
  }) as ClusterState & { forget(): void };
}

/** Nodes able to carry a gateway's traffic, by the same eligibility the rules use. */
export function gatewayHealth(state: ClusterState, gw: GatewayInfo): GatewayHealth {
  const eligible = gatewayNodes(state, gw.nodeSelector ?? {}, gw.mode).eligible.length;
  return { eligibleNodes: eligible, hasStandby: eligible >= 2 };
}

export async function auditObject(stored: StoredObject, state: ClusterState, config: RulesConfig): Promise<AuditResult> {
  const base = { kind: stored.kind, name: stored.name, ...(stored.uid ? { uid: stored.uid } : {}) };
  const descriptor = kinds.find((k) => k.kind === stored.kind)!;
  if (getPath(stored.object, 'metadata', 'deletionTimestamp') != null) return { ...base, findings: [], skipped: 'being deleted' };
  const request: AdmissionRequest = {
    uid: 'audit',
    kind: { group: descriptor.group, version: descriptor.version, kind: descriptor.kind },
    operation: 'CREATE',
    name: stored.name,
    object: stored.object,
  };
  const result = await evaluate(request, { state, config });
  if (result.skipped !== undefined) return { ...base, findings: [], skipped: result.skipped };
  const findings: AuditFinding[] = [
    ...result.findings.errors.map((e): AuditFinding => ({ rule: e.rule, severity: 'deny', message: formatFieldError(e), field: e.field })),
    ...result.findings.warnings.map((w): AuditFinding => ({ rule: w.rule, severity: 'warn', message: w.message, ...(w.field ? { field: w.field } : {}) })),
  ];
  const out: AuditResult = { ...base, findings };
  if (stored.kind === 'EgressGateway' && state.syncStatus().synced) {
    const info = state.gateway(stored.name);
    if (info) out.gateway = gatewayHealth(state, info);
  }
  return out;
}

/** Whether two results say the same (what a report, an event or a metric would show). */
export function sameResult(a: AuditResult | undefined, b: AuditResult | undefined): boolean {
  if (!a || !b) return a === b;
  return JSON.stringify([a.uid, a.findings, a.gateway, a.skipped]) === JSON.stringify([b.uid, b.findings, b.gateway, b.skipped]);
}

export const hasDeny = (r: AuditResult) => r.findings.some((f) => f.severity === 'deny');

export const guardedKinds: readonly GuardedKind[] = ['EgressGateway', 'EgressGatewayPolicy', 'CiliumEgressGatewayPolicy'];

/** Every stored object of the enabled kinds, in kind then name order. */
export async function auditAll(
  objects: { list(kind: GuardedKind): StoredObject[] },
  state: ClusterState,
  config: RulesConfig,
): Promise<AuditResult[]> {
  const view = auditView(state);
  const out: AuditResult[] = [];
  for (const kind of guardedKinds) {
    if (!config.kinds.includes(kind)) continue;
    const list = objects.list(kind).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const stored of list) out.push(await auditObject(stored, view, config));
  }
  return out;
}
