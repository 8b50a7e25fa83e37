import { isPlainObject, stringAt } from '../rules/values.js';
import type { AgentPod } from './objects.js';
import type { GatewayInfo, NodeInfo, PolicyInfo } from './state.js';

// Whole stored objects of the guarded kinds, for the auditor (the indexed state keeps only summaries). They are
// few and small; what the API server adds for its own bookkeeping (managedFields, the last-applied annotation) is
// dropped, and an object still larger than the cap is not kept at all: it is counted, and the auditor says so.

/** The kinds whose whole objects are kept. */
export type GuardedKind = 'EgressGateway' | 'EgressGatewayPolicy' | 'CiliumEgressGatewayPolicy';

export const defaultMaxObjectBytes = 64 * 1024;

export interface StoredObject {
  kind: GuardedKind;
  name: string;
  uid?: string;
  resourceVersion?: string;
  object: Record<string, unknown>;
  /** Size of the kept JSON. */
  bytes: number;
}

/** What changed in the cluster state, as far as re-checking stored objects is concerned. */
export type StateChange =
  | { type: 'node'; before?: NodeInfo; after?: NodeInfo }
  | { type: 'agent'; nodes: string[] }
  | { type: 'gateway'; name: string; before?: GatewayInfo; after?: GatewayInfo }
  | { type: 'policy'; name: string; before?: PolicyInfo; after?: PolicyInfo }
  | { type: 'object'; kind: GuardedKind; name: string };

export type StateListener = (change: StateChange) => void;

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** The object without the API server's bookkeeping, as plain JSON (typed client models become plain data). */
export function trimObject(obj: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(obj) && (typeof obj !== 'object' || obj === null)) return undefined;
  const plain = JSON.parse(JSON.stringify(obj)) as unknown;
  if (!isPlainObject(plain)) return undefined;
  const metadata = plain['metadata'];
  if (isPlainObject(metadata)) {
    delete metadata['managedFields'];
    const annotations = metadata['annotations'];
    if (isPlainObject(annotations)) {
      delete annotations[lastApplied];
      if (Object.keys(annotations).length === 0) delete metadata['annotations'];
    }
  }
  return plain;
}

export class ObjectStore {
  private readonly objects = new Map<GuardedKind, Map<string, StoredObject>>();
  private readonly tooLarge = new Map<string, number>();
  private readonly synced = new Set<GuardedKind>();
  private readonly listeners: StateListener[] = [];

  constructor(readonly maxObjectBytes = defaultMaxObjectBytes) {}

  /** Keeps the object; false when it has no name or is larger than the cap (then any older copy is dropped). */
  put(kind: GuardedKind, raw: unknown): boolean {
    const object = trimObject(raw);
    const name = stringAt(object, 'metadata', 'name');
    if (!object || !name) return false;
    const text = JSON.stringify(object);
    const bytes = Buffer.byteLength(text);
    const byName = this.kindMap(kind);
    const key = `${kind}/${name}`;
    if (bytes > this.maxObjectBytes) {
      byName.delete(name);
      this.tooLarge.set(key, bytes);
      this.emit({ type: 'object', kind, name });
      return false;
    }
    this.tooLarge.delete(key);
    const before = byName.get(name);
    const resourceVersion = stringAt(object, 'metadata', 'resourceVersion');
    const uid = stringAt(object, 'metadata', 'uid');
    const stored: StoredObject = { kind, name, object, bytes, ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) };
    byName.set(name, stored);
    // A relist hands every object over again; an unchanged one needs no second look.
    if (!before || !resourceVersion || before.resourceVersion !== resourceVersion) this.emit({ type: 'object', kind, name });
    return true;
  }

  delete(kind: GuardedKind, name: string): void {
    const existed = this.kindMap(kind).delete(name);
    const wasTooLarge = this.tooLarge.delete(`${kind}/${name}`);
    if (existed || wasTooLarge) this.emit({ type: 'object', kind, name });
  }

  get(kind: GuardedKind, name: string): StoredObject | undefined {
    return this.objects.get(kind)?.get(name);
  }

  list(kind: GuardedKind): StoredObject[] {
    return [...(this.objects.get(kind)?.values() ?? [])];
  }

  /** Objects not kept because they exceed the cap, as "Kind/name" with their size. */
  oversized(): ReadonlyMap<string, number> {
    return this.tooLarge;
  }

  markSynced(kind: GuardedKind): void {
    this.synced.add(kind);
  }

  isSynced(kind: GuardedKind): boolean {
    return this.synced.has(kind);
  }

  subscribe(listener: StateListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** For the state's own changes (nodes, agents, summaries) as well as the stored objects'. */
  emit(change: StateChange): void {
    for (const l of this.listeners) l(change);
  }

  private kindMap(kind: GuardedKind): Map<string, StoredObject> {
    let m = this.objects.get(kind);
    if (!m) this.objects.set(kind, (m = new Map()));
    return m;
  }
}

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a[k]);
};

/** Whether a node update can change any rule's answer (heartbeats and image lists cannot). */
export function nodeChanged(before: NodeInfo | undefined, after: NodeInfo | undefined): boolean {
  if (!before || !after) return before !== after;
  if (before.ready !== after.ready || before.unschedulable !== after.unschedulable || !sameLabels(before.labels, after.labels)) return true;
  if (before.addresses.length !== after.addresses.length) return true;
  return before.addresses.some((a, i) => a.address !== after.addresses[i]!.address || a.type !== after.addresses[i]!.type);
}

/** The nodes whose agent readiness an agent pod update may change (none when nothing that matters changed). */
export function agentNodes(before: AgentPod | undefined, after: AgentPod | undefined): string[] {
  if (before && after && before.node === after.node && before.ready === after.ready && before.agent === after.agent) return [];
  return [...new Set([before?.node, after?.node].filter((n): n is string => n !== undefined))];
}
