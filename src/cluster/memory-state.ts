import { hasLabels } from '../rules/labels.js';
import type { InstalledSchema } from './cilium-crd.js';
import type { AgentPod } from './objects.js';
import type { AgentReadiness, ClusterState, GatewayInfo, NodeInfo, PolicyInfo, SyncStatus } from './state.js';

// Indexed in-memory cluster state. Every lookup a review makes costs the same with 10 nodes or 5,000:
// by name, by label pair, by address, by virtual IP, by referenced gateway.

/** A kind of object the state is filled with, as /readyz names it while its first list is pending. */
export type StateKind = string;

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/** Where `value` is or would go in the sorted list (binary search: a gateway may be named by 10,000 policies). */
function sortedIndex(list: readonly string[], value: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function addSorted(index: Map<string, string[]>, key: string, value: string): void {
  let list = index.get(key);
  if (!list) index.set(key, (list = []));
  const i = sortedIndex(list, value);
  if (list[i] !== value) list.splice(i, 0, value);
}

function removeSorted(index: Map<string, string[]>, key: string, value: string): void {
  const list = index.get(key);
  if (!list) return;
  const i = sortedIndex(list, value);
  if (list[i] === value) list.splice(i, 1);
  if (list.length === 0) index.delete(key);
}

const noNames: ReadonlySet<string> = new Set();
const noPolicies: readonly string[] = Object.freeze([]);
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const labelKey = (k: string, v: string) => `${k}\u0000${v}`;

export class MemoryClusterState implements ClusterState {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly nodesByLabel = new Map<string, Set<string>>();
  private readonly nodesByLabelKey = new Map<string, Set<string>>();
  private readonly nodeByAddress = new Map<string, { node: string; type: string }>();
  private readonly gateways = new Map<string, GatewayInfo>();
  private readonly gatewaysByVIP = new Map<string, Set<string>>();
  private readonly policies = new Map<string, PolicyInfo>();
  /** Kept sorted as policies come and go, so that a review reads the first few names and the count as they are. */
  private readonly policiesByGateway = new Map<string, string[]>();
  private readonly pods = new Map<string, AgentPod>();
  private readonly readyAgents = new Map<string, { cilium: number; egressGateway: number }>();
  private readonly pending: Set<StateKind>;
  private readonly lastSync = new Map<StateKind, number>();
  private ciliumSchema: InstalledSchema | undefined;

  /**
   * With `watchedKinds`, the state reports itself unsynced until each of them is marked synced. `lookup` asks the
   * source of truth for a gateway the store does not hold (a live API call); without it the store is the whole truth.
   */
  constructor(
    private readonly watchedKinds: readonly StateKind[] = [],
    private readonly lookup?: (name: string) => Promise<GatewayInfo | undefined>,
  ) {
    this.pending = new Set(watchedKinds);
  }

  markSynced(kind: StateKind): void {
    this.pending.delete(kind);
    this.touch(kind);
  }

  /** Something of this kind arrived from the source (a list or a watch event). */
  touch(kind: StateKind): void {
    this.lastSync.set(kind, Date.now());
  }

  /** Per watched kind: synced yet, and when it last heard from the source. */
  kindStatus(): { kind: StateKind; synced: boolean; lastSyncMs?: number }[] {
    return this.watchedKinds.map((kind) => {
      const last = this.lastSync.get(kind);
      return { kind, synced: !this.pending.has(kind), ...(last === undefined ? {} : { lastSyncMs: last }) };
    });
  }

  syncStatus(): SyncStatus {
    return { synced: this.pending.size === 0, pending: [...this.pending] };
  }

  upsertNode(node: NodeInfo): void {
    this.deleteNode(node.name);
    this.nodes.set(node.name, node);
    for (const [k, v] of Object.entries(node.labels)) {
      addTo(this.nodesByLabel, labelKey(k, v), node.name);
      addTo(this.nodesByLabelKey, k, node.name);
    }
    for (const a of node.addresses) {
      if (!this.nodeByAddress.has(a.address)) this.nodeByAddress.set(a.address, { node: node.name, type: a.type });
    }
  }

  deleteNode(name: string): void {
    const old = this.nodes.get(name);
    if (!old) return;
    this.nodes.delete(name);
    for (const [k, v] of Object.entries(old.labels)) {
      removeFrom(this.nodesByLabel, labelKey(k, v), name);
      removeFrom(this.nodesByLabelKey, k, name);
    }
    for (const a of old.addresses) {
      if (this.nodeByAddress.get(a.address)?.node === name) this.nodeByAddress.delete(a.address);
    }
  }

  upsertGateway(gw: GatewayInfo): void {
    const old = this.gateways.get(gw.name);
    if (old?.virtualIP) removeFrom(this.gatewaysByVIP, old.virtualIP, gw.name);
    // An update keeps the gateway's place in gatewayNames(): "did you mean" compares the first names in that order,
    // which must not change with every status write.
    this.gateways.set(gw.name, gw);
    if (gw.virtualIP) addTo(this.gatewaysByVIP, gw.virtualIP, gw.name);
  }

  deleteGateway(name: string): void {
    const old = this.gateways.get(name);
    if (!old) return;
    this.gateways.delete(name);
    if (old.virtualIP) removeFrom(this.gatewaysByVIP, old.virtualIP, name);
  }

  upsertPolicy(policy: PolicyInfo): void {
    this.deletePolicy(policy.name);
    this.policies.set(policy.name, policy);
    if (policy.gatewayName !== undefined) addSorted(this.policiesByGateway, policy.gatewayName, policy.name);
  }

  deletePolicy(name: string): void {
    const old = this.policies.get(name);
    if (!old) return;
    this.policies.delete(name);
    if (old.gatewayName !== undefined) removeSorted(this.policiesByGateway, old.gatewayName, name);
  }

  upsertAgentPod(pod: AgentPod): void {
    this.deletePod(pod.key);
    this.pods.set(pod.key, pod);
    if (pod.ready) this.countReady(pod, 1);
  }

  deletePod(key: string): void {
    const old = this.pods.get(key);
    if (!old) return;
    this.pods.delete(key);
    if (old.ready) this.countReady(old, -1);
  }

  private countReady(pod: AgentPod, delta: number): void {
    const counts = this.readyAgents.get(pod.node) ?? { cilium: 0, egressGateway: 0 };
    counts[pod.agent] += delta;
    if (counts.cilium === 0 && counts.egressGateway === 0) this.readyAgents.delete(pod.node);
    else this.readyAgents.set(pod.node, counts);
  }

  gateway(name: string): GatewayInfo | undefined {
    return this.gateways.get(name);
  }

  // The summaries as stored, for the audit feed (which compares old and new).
  policy(name: string): PolicyInfo | undefined {
    return this.policies.get(name);
  }
  pod(key: string): AgentPod | undefined {
    return this.pods.get(key);
  }

  gatewayNames(): Iterable<string> {
    return this.gateways.keys();
  }

  gatewaysWithVirtualIP(ip: string): readonly string[] {
    return [...(this.gatewaysByVIP.get(ip) ?? [])];
  }

  policiesUsingGateway(name: string): readonly string[] {
    return this.policiesByGateway.get(name) ?? noPolicies;
  }

  nodesMatching(selector: Readonly<Record<string, string>>): NodeInfo[] {
    const pairs = Object.entries(selector);
    if (pairs.length === 0) return [...this.nodes.values()].sort(byName);
    // Start from the rarest label pair, then check the others on those few nodes.
    let smallest: Set<string> | undefined;
    for (const [k, v] of pairs) {
      const set = this.nodesByLabel.get(labelKey(k, v));
      if (!set) return [];
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    const out: NodeInfo[] = [];
    for (const name of smallest!) {
      const node = this.nodes.get(name)!;
      if (hasLabels(node.labels, selector)) out.push(node);
    }
    return out.sort(byName);
  }

  nodeNamesWithLabel(key: string, value?: string): ReadonlySet<string> {
    return (value === undefined ? this.nodesByLabelKey.get(key) : this.nodesByLabel.get(labelKey(key, value))) ?? noNames;
  }

  node(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  allNodes(): Iterable<NodeInfo> {
    return this.nodes.values();
  }

  nodeCount(): number {
    return this.nodes.size;
  }

  nodeWithAddress(ip: string): { node: string; type: string } | undefined {
    return this.nodeByAddress.get(ip);
  }

  agents(nodeName: string): AgentReadiness {
    const c = this.readyAgents.get(nodeName);
    return { cilium: (c?.cilium ?? 0) > 0, egressGateway: (c?.egressGateway ?? 0) > 0 };
  }

  ciliumPolicySchema(): InstalledSchema | undefined {
    return this.ciliumSchema;
  }

  setCiliumPolicySchema(schema: InstalledSchema | undefined): void {
    this.ciliumSchema = schema;
  }

  async fetchGateway(name: string): Promise<GatewayInfo | undefined> {
    return this.lookup ? this.lookup(name) : this.gateways.get(name);
  }
}
