import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryClusterState } from '../src/cluster/memory-state.js';
import { nodeWarnings } from '../src/resources/egressgateway/node-warnings.js';
import { Findings } from '../src/rules/findings.js';

// An empty nodeSelector matches every node; the warnings are found without listing the whole cluster when two
// nodes are eligible, and are the same as for any selector otherwise.

function cluster(nodes: { name: string; ready?: boolean; agent?: boolean }[]): MemoryClusterState {
  const state = new MemoryClusterState();
  for (const n of nodes) {
    state.upsertNode({ name: n.name, labels: { 'kubernetes.io/hostname': n.name }, ready: n.ready ?? true, unschedulable: false, addresses: [] });
    if (n.agent ?? true) state.upsertAgentPod({ key: `cilium-${n.name}`, node: n.name, agent: 'cilium', ready: true });
  }
  return state;
}

const warningsFor = (state: MemoryClusterState) => {
  const f = new Findings();
  nodeWarnings(state, {}, true, 'PrimaryIPFromEgressGatewayNodeInterface', f);
  return f.warnings.map((w) => w.message);
};
const empty = 'spec.nodeSelector is empty, so every node in the cluster is an egress candidate; set labels to pick nodes';

describe('nodeSelector {} and the eligible nodes', () => {
  it('two or more eligible nodes: only the empty-selector warning', () => {
    assert.deepEqual(warningsFor(cluster([{ name: 'b' }, { name: 'a', ready: false }, { name: 'c' }])), [empty]);
  });

  it('one eligible node among many: no standby', () => {
    const nodes = Array.from({ length: 50 }, (_, i) => ({ name: `n${String(i).padStart(2, '0')}`, agent: i === 37 }));
    assert.deepEqual(warningsFor(cluster(nodes)), [empty, 'only node n37 is eligible: no standby, so no failover if it fails; prepare a second node']);
  });

  it('no eligible node: each node with its reason, by name', () => {
    assert.deepEqual(warningsFor(cluster([{ name: 'b', ready: false }, { name: 'a', agent: false }])), [
      empty,
      'no eligible node, traffic will be dropped: a (no Ready cilium agent), b (not Ready)',
    ]);
  });

  it('no node at all: none matches', () => {
    assert.deepEqual(warningsFor(cluster([])), [empty, "no node matches spec.nodeSelector {}; traffic of this gateway's policies is dropped until one does"]);
  });
});
