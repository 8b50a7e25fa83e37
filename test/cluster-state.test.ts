import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deckhouseAgents } from '../src/cluster/agents.js';
import { gatewayNodes } from '../src/cluster/eligibility.js';
import { loadStateFiles } from '../src/cluster/file-state.js';
import { parseManifests } from '../src/cluster/manifests.js';
import { MemoryClusterState } from '../src/cluster/memory-state.js';
import type { AgentPod } from '../src/cluster/objects.js';
import type { NodeInfo, NodeNames } from '../src/cluster/state.js';
import { exampleState } from './helpers/webhook.js';

const names = (nodes: { name: string }[]) => nodes.map((n) => n.name);

describe('file-backed cluster state', () => {
  it('reads a kubectl List dump: nodes, agent pods, gateways, policies', async () => {
    const state = await exampleState();
    assert.deepEqual(state.syncStatus(), { synced: true, pending: [] });
    assert.deepEqual([...state.gatewayNames()].sort(), ['egress-gw', 'egress-gw-vip', 'my-egressgw']);
    assert.deepEqual(state.gateway('egress-gw-vip'), {
      name: 'egress-gw-vip',
      mode: 'VirtualIPAddress',
      virtualIP: '172.18.18.250',
      ipText: '172.18.18.250',
      nodeSelector: { 'dedicated/egress': '' },
    });
    assert.deepEqual(state.gatewaysWithVirtualIP('172.18.18.250'), ['egress-gw-vip']);
    assert.deepEqual(state.policiesUsingGateway('egress-gw'), ['backend-via-egress-gw']);
    assert.deepEqual(state.nodeWithAddress('172.18.18.13'), { node: 'egress-c', type: 'InternalIP' });
    assert.deepEqual(names(state.nodesMatching({ 'dedicated/egress': '' })), ['egress-a', 'egress-b', 'egress-c']);
    assert.deepEqual(names(state.nodesMatching({})), ['egress-a', 'egress-b', 'egress-c', 'worker-1']);
    assert.deepEqual(state.agents('worker-1'), { cilium: true, egressGateway: false });
  });

  it('eligibility: Ready, not cordoned, Ready cilium agent, and the egress agent in VirtualIPAddress mode', async () => {
    const state = await exampleState();
    const basic = gatewayNodes(state, { 'dedicated/egress': '' }, 'PrimaryIPFromEgressGatewayNodeInterface');
    assert.deepEqual(names(basic.eligible), ['egress-a', 'egress-b']);
    assert.deepEqual(basic.ineligible.map((v) => [v.node.name, v.reasons]), [['egress-c', ['cordoned']]]);
    const all = gatewayNodes(state, {}, 'VirtualIPAddress');
    assert.deepEqual(all.ineligible.map((v) => [v.node.name, v.reasons]), [
      ['egress-c', ['cordoned']],
      ['worker-1', ['no Ready egress-gateway agent']],
    ]);
  });

  it('reads multi-document YAML; a terminating or unready agent does not count; other pods are ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egw-state-'));
    const file = join(dir, 'state.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Node
metadata: {name: n1, labels: {role: egress}}
status:
  conditions: [{type: Ready, status: "False"}]
  addresses: [{type: ExternalIP, address: "2001:DB8::5"}]
---
apiVersion: v1
kind: Pod
metadata: {name: agent-1, namespace: d8-cni-cilium, labels: {app: agent, module: cni-cilium}, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {nodeName: n1}
status: {conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: agent-1, namespace: default, labels: {app: agent, module: cni-cilium}}
spec: {nodeName: n1}
status: {conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: egw-1, namespace: d8-cni-cilium, labels: {app: egress-gateway-agent}}
spec: {nodeName: n1}
status: {conditions: [{type: Ready, status: "False"}]}
`,
    );
    const state = await loadStateFiles([file], deckhouseAgents);
    assert.deepEqual(state.agents('n1'), { cilium: false, egressGateway: false });
    assert.deepEqual(state.nodeWithAddress('2001:db8::5'), { node: 'n1', type: 'ExternalIP' });
    assert.deepEqual(gatewayNodes(state, { role: 'egress' }, 'VirtualIPAddress').ineligible[0]!.reasons, [
      'not Ready',
      'no Ready cilium agent',
      'no Ready egress-gateway agent',
    ]);
  });

  it('indexes follow updates and deletes', async () => {
    const state = await exampleState();
    state.upsertGateway({ name: 'egress-gw-vip', mode: 'VirtualIPAddress', virtualIP: '172.18.18.251' });
    assert.deepEqual(state.gatewaysWithVirtualIP('172.18.18.250'), []);
    state.upsertPolicy({ name: 'backend-via-egress-gw', gatewayName: 'my-egressgw' });
    assert.deepEqual(state.policiesUsingGateway('egress-gw'), []);
    state.upsertNode({ name: 'egress-a', labels: {}, ready: true, unschedulable: false, addresses: [] });
    assert.deepEqual(names(state.nodesMatching({ 'dedicated/egress': '' })), ['egress-b', 'egress-c']);
    assert.equal(state.nodeWithAddress('172.18.18.11'), undefined);
    state.deletePod('d8-cni-cilium/agent-egress-b');
    assert.deepEqual(state.agents('egress-b'), { cilium: false, egressGateway: true });
  });

  it('the policies naming a gateway stay sorted by name through any order of upserts and deletes', async () => {
    const op = fc.record({ del: fc.boolean(), name: fc.constantFrom('a', 'b', 'B', 'c-1', 'c-10', 'c-2', 'z', 'é'), gateway: fc.option(fc.constantFrom('g1', 'g2'), { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        // A state of its own per run: a failing run leaves nothing behind for the shrinking runs.
        const state = await exampleState();
        const model = new Map<string, string | undefined>();
        for (const o of ops) {
          if (o.del) {
            state.deletePolicy(o.name);
            model.delete(o.name);
          } else {
            state.upsertPolicy(o.gateway === undefined ? { name: o.name } : { name: o.name, gatewayName: o.gateway });
            model.set(o.name, o.gateway);
          }
        }
        for (const g of ['g1', 'g2']) {
          assert.deepEqual(state.policiesUsingGateway(g), [...model].filter(([, gw]) => gw === g).map(([n]) => n).sort());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('node lookups by label, address and agent agree with a plain scan through any order of node and pod changes', () => {
    const keys = ['zone', 'group', 'kubernetes.io/hostname', '__proto__', 'a\u0000b'];
    const values = ['', 'a', 'b', 'b\u0000c'];
    const label = fc.constantFrom(...keys);
    const value = fc.constantFrom(...values);
    const nodeName = fc.constantFrom('n1', 'n2', 'n3');
    const address = fc.constantFrom('10.0.0.1', '10.0.0.2', '2001:db8::1');
    const op = fc.oneof(
      fc.record({ op: fc.constant('node' as const), name: nodeName, labels: fc.dictionary(label, value, { maxKeys: 3 }), addresses: fc.array(fc.record({ type: fc.constantFrom('InternalIP', 'ExternalIP'), address }), { maxLength: 3 }) }),
      fc.record({ op: fc.constant('delete node' as const), name: nodeName }),
      fc.record({ op: fc.constant('pod' as const), pod: fc.constantFrom('p1', 'p2', 'p3', 'p4'), node: nodeName, agent: fc.constantFrom('cilium' as const, 'egressGateway' as const), ready: fc.boolean() }),
      fc.record({ op: fc.constant('delete pod' as const), pod: fc.constantFrom('p1', 'p2', 'p3', 'p4') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const state = new MemoryClusterState();
        const list = (names: NodeNames) => (typeof names === 'string' ? [names] : [...names].sort());
        const nodes = new Map<string, NodeInfo>();
        const pods = new Map<string, AgentPod>();
        const owners = new Map<string, string>();
        const release = (name: string) => {
          for (const [ip, owner] of owners) if (owner === name) owners.delete(ip);
        };
        for (const o of ops) {
          if (o.op === 'node') {
            // As the API server's JSON gives them: a "__proto__" label is an own property.
            const labels: Record<string, string> = JSON.parse(JSON.stringify(o.labels));
            const node = { name: o.name, labels, ready: true, unschedulable: false, addresses: o.addresses };
            state.upsertNode(node);
            nodes.set(o.name, node);
            release(o.name);
            for (const a of o.addresses) if (!owners.has(a.address)) owners.set(a.address, o.name);
          } else if (o.op === 'delete node') {
            state.deleteNode(o.name);
            nodes.delete(o.name);
            release(o.name);
          } else if (o.op === 'pod') {
            const pod = { key: `ns/${o.pod}`, node: o.node, agent: o.agent, ready: o.ready };
            state.upsertAgentPod(pod);
            pods.set(pod.key, pod);
          } else {
            state.deletePod(`ns/${o.pod}`);
            pods.delete(`ns/${o.pod}`);
          }
        }
        const all = [...nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
        const has = (n: NodeInfo, k: string) => Object.hasOwn(n.labels, k);
        for (const k of keys) {
          assert.deepEqual(list(state.nodeNamesWithLabel(k)), all.filter((n) => has(n, k)).map((n) => n.name));
          for (const v of values) {
            const want = all.filter((n) => has(n, k) && n.labels[k] === v).map((n) => n.name);
            assert.deepEqual(list(state.nodeNamesWithLabel(k, v)), want, `${k}=${v}`);
            assert.deepEqual(names(state.nodesMatching({ [k]: v })), want, `${k}=${v}`);
            const two: Record<string, string> = { [k]: v, group: 'a' };
            assert.deepEqual(names(state.nodesMatching(two)), all.filter((n) => Object.entries(two).every(([tk, tv]) => has(n, tk) && n.labels[tk] === tv)).map((n) => n.name));
          }
        }
        // Addresses: the first node stored with an address holds it until that node goes or is stored again.
        for (const ip of ['10.0.0.1', '10.0.0.2', '2001:db8::1']) {
          const owner = owners.get(ip);
          const want = owner === undefined ? undefined : { node: owner, type: nodes.get(owner)!.addresses.find((a) => a.address === ip)!.type };
          assert.deepEqual(state.nodeWithAddress(ip), want, ip);
        }
        for (const n of ['n1', 'n2', 'n3']) {
          const ready = [...pods.values()].filter((p) => p.node === n && p.ready);
          assert.deepEqual(state.agents(n), { cilium: ready.some((p) => p.agent === 'cilium'), egressGateway: ready.some((p) => p.agent === 'egressGateway') }, n);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a policy being deleted no longer holds its gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egw-state-'));
    const file = join(dir, 'policies.yaml');
    writeFileSync(
      file,
      `apiVersion: network.deckhouse.io/v1alpha1
kind: EgressGatewayPolicy
metadata: {name: going, deletionTimestamp: "2026-11-22T10:00:00Z", finalizers: [x]}
spec: {egressGatewayName: gw}
---
apiVersion: network.deckhouse.io/v1alpha1
kind: EgressGatewayPolicy
metadata: {name: staying}
spec: {egressGatewayName: gw}
`,
    );
    const state = await loadStateFiles([file], deckhouseAgents);
    assert.deepEqual(state.policiesUsingGateway('gw'), ['staying']);
  });

  it('a malformed file is reported with its position', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egw-state-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Node\nmetadata:\n  name: [n1\n');
    await assert.rejects(loadStateFiles([file], deckhouseAgents), (e: Error) => e.message.startsWith(`cluster state ${file}:`));
  });

  it('gives each document and List item its line', () => {
    const m = parseManifests('# c\nkind: A\n---\nkind: List\napiVersion: v1\nitems:\n- kind: B\n- kind: C\n');
    assert.deepEqual(m.map((x) => [x.object['kind'], x.line]), [['A', 2], ['B', 7], ['C', 8]]);
  });
});
