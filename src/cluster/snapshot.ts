import type { AgentSelectors } from './agents.js';
import { forEachStateObject, loadObject } from './file-state.js';
import { MemoryClusterState } from './memory-state.js';
import { getPath, isPlainObject, stringAt, stringMapAt } from '../rules/values.js';

// One look at a cluster for `explain`: the indexed summaries the rules use, plus what only an explanation needs
// and the summaries drop: whole gateways and policies (their status, their spec to render) and CiliumNodes.
// Filled once, from a state file or from one list of each kind; never watched.

export interface CiliumNodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export class ClusterSnapshot {
  readonly state = new MemoryClusterState();
  readonly gateways = new Map<string, Record<string, unknown>>();
  readonly policies = new Map<string, Record<string, unknown>>();
  /** Undefined when the source had none (no Cilium CRD, or not in the file): Cilium's view is then not shown. */
  ciliumNodes: CiliumNodeInfo[] | undefined;

  constructor(
    readonly agents: AgentSelectors,
    /** Where it came from, for the reader: a file name or the kubeconfig context. */
    readonly source: string,
  ) {}

  add(obj: Record<string, unknown>): void {
    const group = String(obj['apiVersion'] ?? '').split('/')[0];
    const name = stringAt(obj, 'metadata', 'name');
    if (name !== undefined && group === 'network.deckhouse.io') {
      if (obj['kind'] === 'EgressGateway') this.gateways.set(name, obj);
      // A policy being deleted no longer holds its gateway, as in the webhook's state.
      if (obj['kind'] === 'EgressGatewayPolicy' && getPath(obj, 'metadata', 'deletionTimestamp') == null) this.policies.set(name, obj);
    }
    if (name !== undefined && group === 'cilium.io' && obj['kind'] === 'CiliumNode') {
      (this.ciliumNodes ??= []).push({ name, labels: stringMapAt(obj, 'metadata', 'labels') ?? {} });
    }
    loadObject(this.state, obj, this.agents);
  }

  /** Marks that the source was asked for CiliumNodes and had none (an empty list, not an unknown one). */
  sawCiliumNodes(): void {
    this.ciliumNodes ??= [];
  }
}

export async function snapshotFromFiles(paths: readonly string[], agents: AgentSelectors): Promise<ClusterSnapshot> {
  const snap = new ClusterSnapshot(agents, paths.join(', '));
  await forEachStateObject(paths, (object) => snap.add(object));
  return snap;
}
