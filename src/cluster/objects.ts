import { parseIP } from '../rules/ip.js';
import { mappedIPv4 } from '../rules/address.js';
import { getPath, isPlainObject, stringAt, stringMapAt } from '../rules/values.js';
import { hasLabels } from '../rules/labels.js';
import type { AgentSelectors } from './agents.js';
import type { GatewayInfo, NodeAddress, NodeInfo, PolicyInfo } from './state.js';

// Reduces API objects to the few fields the rules read: a Node can be 100 KB, its summary is a few hundred bytes.

export const egressGroup = 'network.deckhouse.io';

export interface AgentPod {
  key: string;
  node: string;
  agent: 'cilium' | 'egressGateway';
  ready: boolean;
}

function conditionTrue(obj: unknown, type: string): boolean {
  const conditions = getPath(obj, 'status', 'conditions');
  if (!Array.isArray(conditions)) return false;
  return conditions.some((c) => isPlainObject(c) && c['type'] === type && c['status'] === 'True');
}

export function nodeInfo(obj: unknown): NodeInfo | undefined {
  const name = stringAt(obj, 'metadata', 'name');
  if (!name) return undefined;
  const addresses: NodeAddress[] = [];
  const raw = getPath(obj, 'status', 'addresses');
  if (Array.isArray(raw)) {
    for (const a of raw) {
      const type = stringAt(a, 'type');
      const text = stringAt(a, 'address');
      const ip = text === undefined ? undefined : parseIP(text);
      if (type && ip) addresses.push({ type, address: ip.canonical });
    }
  }
  return {
    name,
    labels: stringMapAt(obj, 'metadata', 'labels') ?? {},
    ready: conditionTrue(obj, 'Ready'),
    unschedulable: getPath(obj, 'spec', 'unschedulable') === true,
    addresses,
  };
}

export function gatewayInfo(obj: unknown): GatewayInfo | undefined {
  const name = stringAt(obj, 'metadata', 'name');
  if (!name) return undefined;
  // Built here, field by field; read-only everywhere else.
  const info: { -readonly [K in keyof GatewayInfo]: GatewayInfo[K] } = { name };
  const mode = stringAt(obj, 'spec', 'sourceIP', 'mode');
  if (mode !== undefined) info.mode = mode;
  const vipText = stringAt(obj, 'spec', 'sourceIP', 'virtualIPAddress', 'ip');
  const vip = vipText === undefined ? undefined : parseIP(vipText);
  // A gateway stored before the webhook may spell its IPv4 address as ::ffff:a.b.c.d; the platform reads a.b.c.d.
  if (vip) info.virtualIP = mappedIPv4(vip) ?? vip.canonical;
  if (vipText !== undefined) info.ipText = vipText;
  const interfaceName = stringAt(obj, 'spec', 'sourceIP', 'primaryIPFromEgressGatewayNodeInterface', 'interfaceName');
  if (interfaceName !== undefined) info.interfaceName = interfaceName;
  const selector = stringMapAt(obj, 'spec', 'nodeSelector');
  if (selector) info.nodeSelector = selector;
  const active = stringAt(obj, 'status', 'activeNodeName');
  if (active) info.activeNodeName = active;
  return info;
}

export function policyInfo(obj: unknown): PolicyInfo | undefined {
  const name = stringAt(obj, 'metadata', 'name');
  if (!name) return undefined;
  // A policy already being deleted no longer holds its gateway.
  if (getPath(obj, 'metadata', 'deletionTimestamp') != null) return { name };
  const gatewayName = stringAt(obj, 'spec', 'egressGatewayName');
  return gatewayName === undefined ? { name } : { name, gatewayName };
}

/** The agent pod this is, or undefined for any other pod. A terminating pod counts as not ready. */
export function agentPod(obj: unknown, selectors: AgentSelectors): AgentPod | undefined {
  const name = stringAt(obj, 'metadata', 'name');
  const namespace = stringAt(obj, 'metadata', 'namespace');
  const node = stringAt(obj, 'spec', 'nodeName');
  if (!name || namespace !== selectors.namespace || !node) return undefined;
  const labels = stringMapAt(obj, 'metadata', 'labels') ?? {};
  let agent: AgentPod['agent'];
  if (hasLabels(labels, selectors.cilium)) agent = 'cilium';
  else if (hasLabels(labels, selectors.egressGateway)) agent = 'egressGateway';
  else return undefined;
  const terminating = getPath(obj, 'metadata', 'deletionTimestamp') != null;
  return { key: `${namespace}/${name}`, node, agent, ready: !terminating && conditionTrue(obj, 'Ready') };
}
