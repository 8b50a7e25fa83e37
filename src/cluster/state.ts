import type { InstalledSchema } from './cilium-crd.js';

// What the rules may know about the cluster, behind one interface that a YAML dump and a live
// watch cache both implement. Every read is synchronous and answered from memory; the one
// asynchronous call confirms a missing reference against the source of truth.

/** Names of nodes: a Set, or a single name. */
export type NodeNames = ReadonlySet<string> | string;

/** How many names. */
export const namesCount = (names: NodeNames): number => (typeof names === 'string' ? 1 : names.size);

export interface NodeAddress {
  type: string;
  address: string;
}

export interface NodeInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  ready: boolean;
  unschedulable: boolean;
  addresses: readonly NodeAddress[];
}

/** A gateway as the state keeps it: never changed once made (a change of the gateway makes a new one), so it can key caches. */
export interface GatewayInfo {
  readonly name: string;
  readonly mode?: string;
  /** Canonical text of spec.sourceIP.virtualIPAddress.ip, when it parses (the IPv4 address of an IPv4-mapped one). */
  readonly virtualIP?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** spec.sourceIP.virtualIPAddress.ip and ...primaryIPFromEgressGatewayNodeInterface.interfaceName as written: the platform copies them into the policies it renders. */
  readonly ipText?: string;
  readonly interfaceName?: string;
  /** status.activeNodeName: the node the platform elected (written by the platform, not validated). */
  readonly activeNodeName?: string;
}

export interface PolicyInfo {
  name: string;
  gatewayName?: string;
}

export interface AgentReadiness {
  cilium: boolean;
  egressGateway: boolean;
}

export interface SyncStatus {
  synced: boolean;
  /** Kinds whose first list has not arrived yet. */
  pending: string[];
}

export interface ClusterState {
  syncStatus(): SyncStatus;
  gateway(name: string): GatewayInfo | undefined;
  gatewayNames(): Iterable<string>;
  /** Names of gateways whose virtual IP is this canonical address. */
  gatewaysWithVirtualIP(ip: string): readonly string[];
  /** Names of policies whose spec.egressGatewayName is this gateway, sorted; no copy, do not modify. */
  policiesUsingGateway(name: string): readonly string[];
  /** Nodes whose labels equal every pair of the selector (an empty selector matches all). */
  nodesMatching(selector: Readonly<Record<string, string>>): NodeInfo[];
  /**
   * Names of the nodes that have the label `key` (with this value, when given): the name alone when one node has
   * it (most values of kubernetes.io/hostname and the like), so that no Set is made per node; no copy, do not modify.
   */
  nodeNamesWithLabel(key: string, value?: string): NodeNames;
  node(name: string): NodeInfo | undefined;
  /** Every node, in no particular order. */
  allNodes(): Iterable<NodeInfo>;
  nodeCount(): number;
  /** The node that has this canonical address in status.addresses. */
  nodeWithAddress(ip: string): { node: string; type: string } | undefined;
  agents(nodeName: string): AgentReadiness;
  /** The CiliumEgressGatewayPolicy CRD's schema the cluster has, when known (else the render check uses its bundled one). */
  ciliumPolicySchema(): InstalledSchema | undefined;
  /**
   * Asks the source of truth for a gateway the cache does not hold (it may have been created a moment ago).
   * Resolves to undefined when it does not exist; rejects when it cannot be checked.
   */
  fetchGateway(name: string): Promise<GatewayInfo | undefined>;
}
