import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gw, pol } from './mix.js';

/**
 * A cluster state file for the bench servers: N nodes with two agent pods each, 20 gateways on egress groups of
 * 3 nodes, 200 policies. Written as one JSON List into `dir`; returns its path.
 */
export function writeClusterState(dir: string, nodes: number): string {
  const items: unknown[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = `node-${i}`;
    const group = i < 60 ? { 'egress-group': `g${Math.floor(i / 3)}` } : {};
    items.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'node.deckhouse.io/group': `pool-${i % 10}`, ...group } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }] },
    });
    for (const [agent, labels] of [['cilium', { app: 'agent', module: 'cni-cilium' }], ['egw', { app: 'egress-gateway-agent' }]] as const) {
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${agent}-${i}`, namespace: 'd8-cni-cilium', labels },
        spec: { nodeName: name },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
  }
  for (let g = 0; g < 20; g++) {
    items.push(gw(`gw-${g}`, { nodeSelector: { 'egress-group': `g${g}` }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: `198.51.100.${g + 1}` } } }));
  }
  for (let p = 0; p < 200; p++) {
    items.push(pol(`policy-${p}`, { egressGatewayName: `gw-${p % 20}`, destinationCIDRs: ['0.0.0.0/0'], selectors: [{ podSelector: { matchLabels: { app: `app-${p}` } } }] }));
  }
  const file = join(dir, `state-${nodes}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return file;
}
