import { hasLabels } from '../rules/labels.js';
import type { InstalledSchema } from './cilium-crd.js';
import type { AgentPod } from './objects.js';
import { type AgentReadiness, type ClusterState, type GatewayInfo, type NodeInfo, type NodeNames, namesCount, type PolicyInfo, type SyncStatus } from './state.js';

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

/**
 * The nodes with one label value: a name alone while there is one. Most label values belong to a single node
 * (kubernetes.io/hostname is on every node); a Set for each would be some 200 bytes per node at 50,000 nodes.
 */
type Names = string | Set<string>;

function addName(index: Map<string, Names>, key: string, name: string): void {
  const names = index.get(key);
  if (names === undefined) index.set(key, name);
  else if (typeof names === 'string') {
    if (names !== name) index.set(key, new Set([names, name]));
  } else names.add(name);
}

function removeName(index: Map<string, Names>, key: string, name: string): void {
  const names = index.get(key);
  if (names === undefined) return;
  if (typeof names === 'string') {
    if (names === name) index.delete(key);
    return;
  }
  names.delete(name);
  if (names.size === 1) index.set(key, names.values().next().value!);
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
/** readyAgents: ready cilium agents count in units of 1, egress-gateway agents in units of this. */
const egressGatewayUnit = 2 ** 20;
const noPolicies: readonly string[] = Object.freeze([]);

/** GETs of a gateway the cache does not have, at most, per second (and at once). */
export const maxLookupsPerSecond = 50;

/** A gateway lookup not made: over maxLookupsPerSecond. The reference is then unchecked, not missing. */
export class LookupLimited extends Error {
  constructor() {
    super(`more than ${maxLookupsPerSecond} gateway lookups a second`);
  }
}
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class MemoryClusterState implements ClusterState {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Label key, then value: the value strings are the labels' own, no key string is made per label. */
  private readonly nodesByLabel = new Map<string, Map<string, Names>>();
  private readonly nodesByLabelKey = new Map<string, Set<string>>();
  /** The node holding an address (the first one stored, if two claim it); the type is read from its addresses. */
  private readonly nodeByAddress = new Map<string, NodeInfo>();
  private readonly gateways = new Map<string, GatewayInfo>();
  private readonly gatewaysByVIP = new Map<string, Set<string>>();
  private readonly policies = new Map<string, PolicyInfo>();
  /** Kept sorted as policies come and go, so that a review reads the first few names and the count as they are. */
  private readonly policiesByGateway = new Map<string, string[]>();
  private readonly pods = new Map<string, AgentPod>();
  /** Ready agent pods per node, both counts in one number (a whole object per node costs 32 bytes more). */
  private readonly readyAgents = new Map<string, number>();
  private readonly pending: Set<StateKind>;
  private readonly lastSync = new Map<StateKind, number>();
  private ciliumSchema: InstalledSchema | undefined;
  /** Gateway lookups in flight, by name: reviews naming the same missing gateway share one GET. */
  private readonly lookups = new Map<string, Promise<GatewayInfo | undefined>>();
  private lookupTokens = maxLookupsPerSecond;
  private lookupTokensAt = 0;

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
      let values = this.nodesByLabel.get(k);
      if (!values) this.nodesByLabel.set(k, (values = new Map()));
      addName(values, v, node.name);
      addTo(this.nodesByLabelKey, k, node.name);
    }
    for (const a of node.addresses) {
      if (!this.nodeByAddress.has(a.address)) this.nodeByAddress.set(a.address, node);
    }
  }

  deleteNode(name: string): void {
    const old = this.nodes.get(name);
    if (!old) return;
    this.nodes.delete(name);
    for (const [k, v] of Object.entries(old.labels)) {
      const values = this.nodesByLabel.get(k);
      if (values) {
        removeName(values, v, name);
        if (values.size === 0) this.nodesByLabel.delete(k);
      }
      removeFrom(this.nodesByLabelKey, k, name);
    }
    for (const a of old.addresses) {
      if (this.nodeByAddress.get(a.address) === old) this.nodeByAddress.delete(a.address);
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
    const counts = (this.readyAgents.get(pod.node) ?? 0) + delta * (pod.agent === 'cilium' ? 1 : egressGatewayUnit);
    if (counts === 0) this.readyAgents.delete(pod.node);
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
    let smallest: Names | undefined;
    for (const [k, v] of pairs) {
      const names = this.nodesByLabel.get(k)?.get(v);
      if (names === undefined) return [];
      if (smallest === undefined || namesCount(names) < namesCount(smallest)) smallest = names;
    }
    const out: NodeInfo[] = [];
    for (const name of typeof smallest === 'string' ? [smallest] : smallest!) {
      const node = this.nodes.get(name)!;
      if (hasLabels(node.labels, selector)) out.push(node);
    }
    return out.sort(byName);
  }

  nodeNamesWithLabel(key: string, value?: string): NodeNames {
    if (value === undefined) return this.nodesByLabelKey.get(key) ?? noNames;
    return this.nodesByLabel.get(key)?.get(value) ?? noNames;
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
    const node = this.nodeByAddress.get(ip);
    const address = node?.addresses.find((a) => a.address === ip);
    return node && address && { node: node.name, type: address.type };
  }

  agents(nodeName: string): AgentReadiness {
    const c = this.readyAgents.get(nodeName) ?? 0;
    return { cilium: c % egressGatewayUnit > 0, egressGateway: c >= egressGatewayUnit };
  }

  ciliumPolicySchema(): InstalledSchema | undefined {
    return this.ciliumSchema;
  }

  setCiliumPolicySchema(schema: InstalledSchema | undefined): void {
    this.ciliumSchema = schema;
  }

  /**
   * The gateway from the source of truth, for one the cache has not seen yet (created a moment ago). Each review
   * naming a missing gateway would make a GET, and anyone who reaches the webhook can send reviews: identical
   * lookups are shared, and past maxLookupsPerSecond none is made (LookupLimited: the reference is unchecked).
   */
  async fetchGateway(name: string): Promise<GatewayInfo | undefined> {
    if (!this.lookup) return this.gateways.get(name);
    const pending = this.lookups.get(name);
    if (pending) return pending;
    // Not "missing" even with a synced cache: the gateway may have been created a moment ago.
    if (!this.takeLookupToken()) throw new LookupLimited();
    const lookup = this.lookup(name).finally(() => this.lookups.delete(name));
    this.lookups.set(name, lookup);
    return lookup;
  }

  /** A token bucket: maxLookupsPerSecond a second, as many at once. */
  private takeLookupToken(): boolean {
    const now = performance.now();
    this.lookupTokens = Math.min(maxLookupsPerSecond, this.lookupTokens + ((now - this.lookupTokensAt) * maxLookupsPerSecond) / 1000);
    this.lookupTokensAt = now;
    if (this.lookupTokens < 1) return false;
    this.lookupTokens--;
    return true;
  }
}
