import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { deckhouseAgents } from '../src/cluster/agents.js';
import { loadStateFiles } from '../src/cluster/file-state.js';
import { parseManifests } from '../src/cluster/manifests.js';
import { MemoryClusterState } from '../src/cluster/memory-state.js';
import { nodeInfo } from '../src/cluster/objects.js';
import { type NodeRuleEntry, nodeRules, type NodeRuleExample } from '../src/rules/catalogue.js';
import { render } from './helpers/chart.js';
import { changedNode } from './docs/rule-docs.js';
import { fromRoot } from './helpers/paths.js';
import { reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';

// The Node UPDATE webhook (POST /warn-node) as the API server calls it: real HTTPS, the example cluster state,
// exact warnings; it never denies. And the chart's optional registration of it.

const exampleNodes = new Map<string, any>(
  parseManifests(readFileSync(fromRoot('examples/cluster-state.yaml'), 'utf8'))
    .map((m) => m.object as any)
    .filter((o) => o.kind === 'Node')
    .map((o) => [o.metadata.name, o]),
);

/** The example's node, changed as an example says. */
const changed = (name: string, change: NodeRuleExample['change']): any => changedNode(exampleNodes.get(name), change);

const nodeReview = (oldObject: any, object: any) => reviewOf(object, { operation: 'UPDATE', oldObject });

async function stateWith(cordoned: readonly string[] = []) {
  const state = await loadStateFiles([fromRoot('examples/cluster-state.yaml')], deckhouseAgents);
  for (const n of cordoned) state.upsertNode(nodeInfo(changed(n, { unschedulable: true }))!);
  return state;
}

async function warningsFor(ex: NodeRuleExample): Promise<string[] | undefined> {
  const hook = await startWebhook({ state: await stateWith(ex.cordoned) });
  try {
    const res = await hook.post('/warn-node', nodeReview(exampleNodes.get(ex.node), changed(ex.node, ex.change)));
    assert.equal(res.status, 200);
    assert.equal(res.json.response.allowed, true);
    return res.json.response.warnings;
  } finally {
    await hook.close();
  }
}

describe('node warnings: the catalogue section, by its own examples', () => {
  for (const rule of nodeRules as readonly NodeRuleEntry[]) {
    rule.fails.forEach((ex, i) => {
      it(`${rule.id}: failing example ${i + 1} (${ex.shows ?? 'cordon'}) warns`, async () => {
        const warnings = (await warningsFor(ex)) ?? [];
        const want = rule.id === 'node-update-loses-egress' ? /^EgressGateway \S+ loses egress: / : /^EgressGateway \S+ has no standby left: /;
        assert.ok(warnings.some((w) => want.test(w)), JSON.stringify(warnings));
      });
    });
    it(`${rule.id}: passing example does not`, async () => {
      const warnings = (await warningsFor(rule.passes)) ?? [];
      const want = rule.id === 'node-update-loses-egress' ? / loses egress: / : / has no standby left: /;
      assert.deepEqual(warnings.filter((w) => want.test(w)), []);
    });
  }
});

describe('POST /warn-node', () => {
  let hook: TestWebhook;
  before(async () => {
    hook = await startWebhook({ state: await stateWith(['egress-b']) });
  });
  after(() => hook.close());

  it('cordoning the only eligible node: one warning per gateway, naming the policies and that no standby remains', async () => {
    const res = await hook.post('/warn-node', nodeReview(exampleNodes.get('egress-a'), changed('egress-a', { unschedulable: true })));
    assert.deepEqual(res.json, {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: res.json.response.uid,
        allowed: true,
        warnings: [
          'EgressGateway egress-gw loses egress: egress-a cordoned, no standby remains; policies: backend-via-egress-gw',
          'EgressGateway egress-gw-vip loses egress: egress-a cordoned, no standby remains; no policy uses it',
          'EgressGateway my-egressgw loses egress: egress-a cordoned, no standby remains; no policy uses it',
        ],
      },
    });
  });

  it('says nothing for updates that change neither labels nor spec.unschedulable, or that add eligible nodes', async () => {
    const a = exampleNodes.get('egress-a');
    const annotated = { ...structuredClone(a), metadata: { ...a.metadata, annotations: { note: 'x' } } };
    for (const [oldObject, object] of [
      [a, annotated],
      [changed('egress-a', { unschedulable: true }), a],
      [a, changed('egress-a', { labels: { zone: 'a' } })],
    ]) {
      const res = await hook.post('/warn-node', nodeReview(oldObject, object));
      assert.deepEqual(res.json.response, { uid: res.json.response.uid, allowed: true });
    }
  });

  it('never denies: other kinds, operations, subresources and an unsynced cache are allowed without a word', async () => {
    const unsynced = await startWebhook({ state: new MemoryClusterState(['nodes']) });
    try {
      const cordon = nodeReview(exampleNodes.get('egress-a'), changed('egress-a', { unschedulable: true }));
      const res = await unsynced.post('/warn-node', cordon);
      assert.deepEqual(res.json.response, { uid: cordon.request.uid, allowed: true });
    } finally {
      await unsynced.close();
    }
    const gw = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'x' }, spec: {} };
    const status = reviewOf(changed('egress-a', { unschedulable: true }), { operation: 'UPDATE', oldObject: exampleNodes.get('egress-a'), subResource: 'status' });
    for (const review of [reviewOf(gw, { operation: 'UPDATE', oldObject: gw }), reviewOf(exampleNodes.get('egress-a')), status]) {
      const res = await hook.post('/warn-node', review);
      assert.deepEqual(res.json.response, { uid: review.request.uid, allowed: true });
    }
  });
});

describe('chart: nodeWarnings', () => {
  const webhooks = (sets: string[], kubeVersion: string) => {
    const r = render(sets, { kubeVersion });
    assert.equal(r.error, undefined);
    return r.objects.find((o) => o?.kind === 'ValidatingWebhookConfiguration').webhooks as any[];
  };

  it('is off by default', () => {
    assert.deepEqual(webhooks([], '1.30.0').map((w) => w.name), ['validate.egress-gateway.network.deckhouse.io']);
  });

  it('on: Node UPDATE only, never blocking (Ignore, 2 s), with matchConditions from Kubernetes 1.28', () => {
    const [main, node] = webhooks(['nodeWarnings.enabled=true'], '1.30.0');
    assert.equal(main.failurePolicy, 'Fail');
    assert.equal(node.name, 'warn-node.egress-gateway.network.deckhouse.io');
    assert.deepEqual(node.rules, [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['nodes'], scope: 'Cluster' }]);
    assert.deepEqual([node.failurePolicy, node.timeoutSeconds, node.sideEffects], ['Ignore', 2, 'None']);
    assert.deepEqual(node.clientConfig, { service: { name: 'egw-egress-gateway-webhook', namespace: 'd8-system', path: '/warn-node', port: 443 } });
    assert.deepEqual(node.matchConditions, [
      {
        name: 'unschedulable-or-labels-changed',
        expression:
          '(has(object.spec) && has(object.spec.unschedulable) && object.spec.unschedulable == true) != (has(oldObject.spec) && has(oldObject.spec.unschedulable) && oldObject.spec.unschedulable == true) || (has(object.metadata.labels) ? object.metadata.labels : {}) != (has(oldObject.metadata.labels) ? oldObject.metadata.labels : {})',
      },
    ]);
    const [, old] = webhooks(['nodeWarnings.enabled=true'], '1.27.9');
    assert.equal(old.matchConditions, undefined, 'the 1.27 API server would refuse the field');
  });
});
