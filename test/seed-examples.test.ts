import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { upstreamCiliumAgents } from '../src/cluster/agents.js';
import { loadStateFiles } from '../src/cluster/file-state.js';
import { parseManifests } from '../src/cluster/manifests.js';
import { fromRoot } from './helpers/paths.js';
import { reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';

// Every example of the source documents (test/fixtures/seeds, copied unchanged) is allowed unchanged,
// without warnings (but the reserved node label of the Russian page), against the shipped example cluster state, and defaulting adds nothing to it.

const files = ['cni-cilium-examples-en.yaml', 'cni-cilium-examples-ru.yaml', 'platform-guide-egress.yaml'];
const reservedLabel = 'spec.nodeSelector node-role.deckhouse.io/egress: reserved by Deckhouse, which alerts on it; use e.g. dedicated/egress';

describe('seed examples', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook();
  });
  after(() => wh.close());

  for (const file of files) {
    const manifests = parseManifests(readFileSync(fromRoot(`test/fixtures/seeds/${file}`), 'utf8'));
    it(`${file} holds the examples`, () => assert.equal(manifests.length, 3));
    for (const { object, line } of manifests) {
      const what = `${file}:${line} ${object['kind']} ${(object['metadata'] as { name: string }).name}`;
      // The Russian page still labels egress nodes under node-role.deckhouse.io/, which Deckhouse reserves.
      const warnings = file === 'cni-cilium-examples-ru.yaml' && object['kind'] === 'EgressGateway' ? [reservedLabel] : undefined;
      it(`${what} is allowed${warnings ? ' with the reserved-label warning' : ' without warnings'}`, async () => {
        const res = await wh.review('/validate', reviewOf(object));
        assert.deepEqual(res, { uid: res.uid, allowed: true, ...(warnings ? { warnings } : {}) });
      });
      it(`${what} is not changed by defaulting`, async () => {
        const res = await wh.review('/mutate', reviewOf(object));
        assert.deepEqual(res, { uid: res.uid, allowed: true });
      });
    }
  }
});

// The Cilium guide's CiliumEgressGatewayPolicy examples, against a plain Cilium cluster where two nodes carry
// egress-gateway=true (examples/cilium-cluster-state.yaml). What is true of them is said: Cilium uses one
// node of the two (the guide's "handle failover" is not what Cilium does), and the first example sets both
// interface and egressIP, which Cilium's agent refuses.
describe('seed examples: the Cilium egress gateway guide', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook({ state: await loadStateFiles([fromRoot('examples/cilium-cluster-state.yaml')], upstreamCiliumAgents) });
  });
  after(() => wh.close());

  const firstOfTwo = 'Cilium uses only gateway-node-1 (first by name of 2 nodes matching spec.egressGateway.nodeSelector): no failover';
  const expected: Record<string, { message?: string; warnings?: string[] }> = {
    'external-api-egress': {
      message:
        'CiliumEgressGatewayPolicy "external-api-egress" is invalid: spec.egressGateway.egressIP: Forbidden: may not be set together with interface: Cilium ignores a policy whose gateway sets both; keep one of them',
      warnings: [firstOfTwo],
    },
    'payment-egress': { warnings: [firstOfTwo] },
    'analytics-egress': { warnings: [firstOfTwo] },
    'production-namespace-egress': { warnings: [firstOfTwo] },
    // Each region label is on one node only.
    'aws-services-egress': {},
    'azure-services-egress': {},
    'multi-criteria-egress': { warnings: [firstOfTwo] },
    'ha-egress-gateway': { warnings: [firstOfTwo] },
  };
  const manifests = parseManifests(readFileSync(fromRoot('test/fixtures/seeds/cilium-egress-gateway-guide.yaml'), 'utf8'));
  it('cilium-egress-gateway-guide.yaml holds every example of the guide', () => {
    assert.deepEqual(manifests.map((m) => (m.object['metadata'] as { name: string }).name).sort(), Object.keys(expected).sort());
  });
  for (const { object, line } of manifests) {
    const name = (object['metadata'] as { name: string }).name;
    it(`cilium-egress-gateway-guide.yaml:${line} ${name}: ${expected[name]?.message ? 'denied' : 'allowed'}, with the true warnings`, async () => {
      const res = await wh.review('/validate', reviewOf(object));
      const want = expected[name]!;
      assert.equal(res.allowed, want.message === undefined);
      assert.equal(res.status?.message, want.message);
      assert.deepEqual(res.warnings, want.warnings);
      const mutated = await wh.review('/mutate', reviewOf(object));
      assert.deepEqual(mutated, { uid: mutated.uid, allowed: true });
    });
  }
});
