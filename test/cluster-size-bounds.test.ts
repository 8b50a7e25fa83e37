import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryClusterState } from '../src/cluster/memory-state.js';
import { maxGatewayNodeVisits } from '../src/cluster/eligibility.js';
import { nodeChangeOutcomes } from '../src/cluster/egress-nodes.js';
import { validateCiliumEgressGatewayPolicy } from '../src/resources/ciliumegressgatewaypolicy/validate.js';
import { maxNodeChecks } from '../src/resources/ciliumegressgatewaypolicy/node-warnings.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { nodeWarnings } from '../src/resources/egressgateway/node-warnings.js';
import { maxGatewaysSuggested, validateEgressGatewayPolicy } from '../src/resources/egressgatewaypolicy/validate.js';
import { maxNodeLabels, nodeChangeWarnings, warnNodeRequest } from '../src/admission/node-warnings.js';
import { Findings } from '../src/rules/findings.js';
import { finish } from '../src/rules/stages.js';
import { packList } from '../src/rules/warnings.js';

// What a review looks at in the cluster stays bounded whatever the cluster's size. The node warnings of gateways
// whose selector matches a large part of the cluster: found in one walk without a sorted list of the matches, the
// first nodes by name still named first, the totals still counted, and the walk of one CiliumEgressGatewayPolicy's
// selectors bounded. "Did you mean" for a missing gateway compares a bounded number of names.

const name = (i: number) => `n${String(i).padStart(4, '0')}`;

/** Nodes n0000... added in reverse order of name, so that any order the walk sees is not the order by name. */
function cluster(count: number, node: (i: number) => { ready?: boolean; agent?: boolean; labels?: Record<string, string> } = () => ({})): MemoryClusterState {
  const state = new MemoryClusterState();
  for (let i = count - 1; i >= 0; i--) {
    const n = node(i);
    state.upsertNode({ name: name(i), labels: { pool: 'a', ...n.labels }, ready: n.ready ?? true, unschedulable: false, addresses: [] });
    if (n.agent ?? true) state.upsertAgentPod({ key: `cilium-${i}`, node: name(i), agent: 'cilium', ready: true });
  }
  return state;
}

function gatewayWarnings(state: MemoryClusterState, selector: Record<string, string>): string[] {
  const f = new Findings();
  nodeWarnings(state, selector, false, 'PrimaryIPFromEgressGatewayNodeInterface', f);
  return f.warnings.map((w) => w.message);
}

function ciliumFindings(state: MemoryClusterState, gateways: Record<string, unknown>[]): Findings {
  const object = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumEgressGatewayPolicy',
    metadata: { name: 'p' },
    spec: { selectors: [{ podSelector: { matchLabels: { app: 'a' } } }], destinationCIDRs: ['0.0.0.0/0'], egressGateways: gateways },
  };
  return finish(validateCiliumEgressGatewayPolicy({ operation: 'CREATE', object, oldObject: null, name: 'p', state, config: defaultRulesConfig }));
}

describe('packList with a total beyond the items given', () => {
  it('counts the items left out of the list in "+N more"', () => {
    assert.equal(packList('head', ['a', 'b'], 120, 2), 'head: a, b');
    assert.equal(packList('head', ['a', 'b'], 120, 40), 'head: a, b, +38 more');
    assert.equal(packList('head', ['aaaa', 'bbbb'], 20, 40), 'head: aaaa, +39 more');
  });
});

describe('EgressGateway: a selector matching many nodes', () => {
  it('none eligible: the first by name with their reasons, and how many more', () => {
    const state = cluster(3000, (i) => (i % 2 ? { ready: false } : { agent: false }));
    assert.deepEqual(gatewayWarnings(state, { pool: 'a' }), [
      'no eligible node, traffic will be dropped: n0000 (no Ready cilium agent), n0001 (not Ready), +2998 more',
    ]);
  });

  it('one eligible among thousands: no standby, named', () => {
    const state = cluster(3000, (i) => ({ agent: i === 2718 }));
    assert.deepEqual(gatewayWarnings(state, { pool: 'a' }), [
      'only node n2718 is eligible: no standby, so no failover if it fails; prepare a second node',
    ]);
  });
});

describe('EgressGateway: a selector with more candidates than one lookup looks at', () => {
  it(`at ${maxGatewayNodeVisits} candidates with none eligible the warning still counts them all; one more and it is left out`, () => {
    const at = cluster(maxGatewayNodeVisits, () => ({ agent: false }));
    assert.deepEqual(gatewayWarnings(at, { pool: 'a' }), [
      `no eligible node, traffic will be dropped: n0000 (no Ready cilium agent), n0001 (no Ready cilium agent), +${maxGatewayNodeVisits - 2} more`,
    ]);
    const over = cluster(maxGatewayNodeVisits + 1, () => ({ agent: false }));
    assert.deepEqual(gatewayWarnings(over, { pool: 'a' }), []);
    // Two eligible nodes end the walk whatever the count: nothing to warn about, and nothing is left unknown.
    const early = cluster(maxGatewayNodeVisits * 2, (i) => ({ agent: i % 1000 === 0 }));
    assert.deepEqual(gatewayWarnings(early, { pool: 'a' }), []);
  });

  it('a Node update that changes such a gateway says nothing about it rather than a wrong count', () => {
    const state = cluster(maxGatewayNodeVisits + 1, (i) => ({ agent: i === 0 }));
    const before = state.node(name(0))!;
    state.upsertGateway({ name: 'big', mode: 'PrimaryIPFromEgressGatewayNodeInterface', nodeSelector: { pool: 'a' } });
    assert.deepEqual(nodeChangeOutcomes(state, before, { ...before, unschedulable: true }), []);
    const small = cluster(3, (i) => ({ agent: i === 0 }));
    small.upsertGateway({ name: 'small', mode: 'PrimaryIPFromEgressGatewayNodeInterface', nodeSelector: { pool: 'a' } });
    const first = small.node(name(0))!;
    assert.equal(nodeChangeOutcomes(small, first, { ...first, unschedulable: true }).length, 1);
  });
});

describe('CiliumEgressGatewayPolicy: selectors matching many nodes', () => {
  it('NotIn: the first node by name and the exact count of matches', () => {
    const state = cluster(3000, (i) => ({ ready: i !== 1 }));
    const f = ciliumFindings(state, [
      { nodeSelector: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['x'] }, { key: 'pool', operator: 'NotIn', values: ['b'] }] }, interface: 'eth1' },
      { nodeSelector: { matchExpressions: [{ key: 'pool', operator: 'In', values: ['a'] }, { key: 'zone', operator: 'DoesNotExist' }] }, interface: 'eth1' },
    ]);
    assert.deepEqual(
      f.warnings.map((w) => w.message),
      [
        'Cilium uses only n0000 (first by name of 3000 nodes matching spec.egressGateways[0].nodeSelector): no failover',
        'Cilium uses only n0000 (first by name of 3000 nodes matching spec.egressGateways[1].nodeSelector): no failover',
      ],
    );
  });

  it('the first by name not eligible: said, with the reasons', () => {
    const state = cluster(3000, (i) => ({ agent: i !== 0 }));
    const f = ciliumFindings(state, [{ nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, interface: 'eth1' }]);
    assert.deepEqual(
      f.warnings.map((w) => w.message),
      ['Cilium uses only n0000 (first by name of 3000 matching nodes), not eligible: no Ready cilium agent; no failover'],
    );
  });

  it('none eligible: the first by name and how many more', () => {
    const state = cluster(3000, () => ({ ready: false }));
    const f = ciliumFindings(state, [{ nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, interface: 'eth1' }]);
    assert.deepEqual(
      f.warnings.map((w) => w.message),
      ['no eligible node for spec.egressGateways[0], traffic will be dropped: n0000 (not Ready), n0001 (not Ready), +2998 more'],
    );
  });

  it('stops looking up nodes once its selectors would walk more than the bound, and not before', () => {
    const nodes = 5000;
    const state = cluster(nodes);
    const gateways = Array.from({ length: 64 }, (_, g) => ({ nodeSelector: { matchExpressions: [{ key: `zone-${g}`, operator: 'DoesNotExist' }] }, interface: 'eth1' }));
    const f = ciliumFindings(state, gateways);
    const walked = Math.floor(maxNodeChecks / nodes);
    assert.equal(walked, 50);
    assert.equal(f.warningCounts.get('cilium-several-nodes'), walked);
    assert.equal(f.warnings[0]!.message, 'Cilium uses only n0000 (first by name of 5000 nodes matching spec.egressGateways[0].nodeSelector): no failover');
  });

  it('counts each requirement of a selector in the bound: one selector with 1,000 requirements over 5,000 nodes is not walked', () => {
    const state = cluster(5000);
    const many = { nodeSelector: { matchExpressions: Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, operator: 'DoesNotExist' })) }, interface: 'eth1' };
    const few = { nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, interface: 'eth1' };
    const f = ciliumFindings(state, [many, few]);
    assert.deepEqual(
      f.warnings.map((w) => w.message),
      ['Cilium uses only n0000 (first by name of 5000 nodes matching spec.egressGateways[1].nodeSelector): no failover'],
    );
  });
});

describe('EgressGatewayPolicy: did you mean, among many gateways', () => {
  const state = new MemoryClusterState();
  for (let i = 0; i < maxGatewaysSuggested; i++) state.upsertGateway({ name: `unrelated-gateway-${i}` });
  state.upsertGateway({ name: 'payments' });
  const denial = (egressGatewayName: string) => {
    const object = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', metadata: { name: 'p' }, spec: { egressGatewayName, destinationCIDRs: ['0.0.0.0/0'], selectors: [{ podSelector: { matchLabels: { app: 'a' } } }] } };
    const f = finish(validateEgressGatewayPolicy({ operation: 'CREATE', object, oldObject: null, name: 'p', state, config: defaultRulesConfig, gatewayRef: { status: 'missing' } }));
    return f.errors.map((e) => e.detail);
  };

  it('suggests a name among the first it compares', () => {
    assert.deepEqual(denial('unrelated-gateway-7x'), [
      'no EgressGateway has this name; did you mean "unrelated-gateway-7" or "unrelated-gateway-70" or "unrelated-gateway-71"?',
    ]);
  });

  it(`compares no more than ${maxGatewaysSuggested} names: one past them is not suggested`, () => {
    assert.deepEqual(denial('payment'), ['no EgressGateway has this name; create it first (kubectl get egressgateways lists them)']);
  });

  it('an update of a gateway keeps its place among the names compared', () => {
    state.upsertGateway({ name: 'unrelated-gateway-7', activeNodeName: 'n1' });
    assert.deepEqual(denial('unrelated-gateway-7x'), [
      'no EgressGateway has this name; did you mean "unrelated-gateway-7" or "unrelated-gateway-70" or "unrelated-gateway-71"?',
    ]);
    assert.equal([...state.gatewayNames()][7], 'unrelated-gateway-7');
  });
});

describe('Node update: a gateway matching thousands of nodes', () => {
  const eligible = new Set([1, 2000, 2500]);
  const state = cluster(3000, (i) => ({ agent: eligible.has(i) }));
  state.upsertGateway({ name: 'big', nodeSelector: { pool: 'a' }, mode: 'PrimaryIPFromEgressGatewayNodeInterface' });
  state.upsertPolicy({ name: 'p1', gatewayName: 'big' });
  const node = (i: number) => state.node(name(i))!;
  const warnings = (before: ReturnType<typeof node>, after: ReturnType<typeof node>) => nodeChangeWarnings(state, before, after).warnings.map((w) => w.message);

  it('cordoning one of three eligible nodes leaves a standby: nothing to say', () => {
    assert.deepEqual(warnings(node(2000), { ...node(2000), unschedulable: true }), []);
  });

  it('with two eligible left, relabelling one away names the one that remains', () => {
    state.upsertNode({ ...node(2500), unschedulable: true });
    try {
      assert.deepEqual(warnings(node(2000), { ...node(2000), labels: { pool: 'b' } }), [
        'EgressGateway big has no standby left: n2000 relabelled, only n0001 remains; policies: p1',
      ]);
      assert.deepEqual(warnings(node(1), { ...node(1), unschedulable: true }), [
        'EgressGateway big has no standby left: n0001 cordoned, only n2000 remains; policies: p1',
      ]);
    } finally {
      state.upsertNode({ ...node(2500), unschedulable: false });
    }
  });

  it('the last eligible node cordoned: loses egress; a node becoming eligible: nothing', () => {
    const lone = cluster(3000, (i) => ({ agent: i === 7 }));
    lone.upsertGateway({ name: 'big', nodeSelector: { pool: 'a' } });
    const seven = lone.node(name(7))!;
    assert.deepEqual(
      nodeChangeWarnings(lone, seven, { ...seven, unschedulable: true }).warnings.map((w) => w.message),
      ['EgressGateway big loses egress: n0007 cordoned, no standby remains; no policy uses it'],
    );
    assert.deepEqual(nodeChangeWarnings(lone, { ...seven, unschedulable: true }, seven).warnings, []);
  });
});

describe('Node update: a node with more labels than any real node', () => {
  it(`is allowed without comparing its labels past ${maxNodeLabels}`, () => {
    const state = cluster(3, (i) => ({ agent: i === 0 }));
    state.upsertGateway({ name: 'g', nodeSelector: { pool: 'a' } });
    const node = (labels: Record<string, string>, unschedulable: boolean) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: name(0), labels }, spec: { unschedulable }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    const many = Object.fromEntries(Array.from({ length: maxNodeLabels + 1 }, (_, i) => [`l${i}`, 'v']));
    const review = (labels: Record<string, string>) => ({ uid: 'u', kind: { group: '', version: 'v1', kind: 'Node' }, operation: 'UPDATE' as const, name: name(0), oldObject: node({ pool: 'a', ...labels }, false), object: node({ pool: 'a', ...labels }, true) });
    assert.deepEqual(warnNodeRequest(review(many), { state }).skipped, `node has more than ${maxNodeLabels} labels`);
    assert.deepEqual(warnNodeRequest(review({}), { state }).response.warnings, ['EgressGateway g loses egress: n0000 cordoned, no standby remains; no policy uses it']);
  });
});
