import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { gateway, patchOf, policy, reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';

// SPEC §4 defaults on /mutate: the exact JSONPatch, applied with an independent RFC 6902 implementation.

const apply = (object: any, patch: any) => jsonpatch.applyPatch(structuredClone(object), patch, true, false).newDocument;
const primaryBlock = { primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } };
const vipBlock = { virtualIPAddress: { ip: '172.18.18.242' } };

describe('defaults over HTTPS', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook();
  });
  after(() => wh.close());

  const mutate = async (object: any, operation: 'CREATE' | 'UPDATE' = 'CREATE') => {
    const res = await wh.review('/mutate', reviewOf(object, { operation, oldObject: operation === 'UPDATE' ? object : undefined }));
    assert.equal(res.allowed, true);
    assert.equal(res.warnings, undefined);
    return res;
  };

  it('gateway without nodeSelector gets the default selector', async () => {
    const object = gateway('gw', { sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', ...primaryBlock } });
    const patch = patchOf(await mutate(object));
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/nodeSelector', value: { 'node-role.deckhouse.io/egress': '' } }]);
    assert.deepEqual(apply(object, patch).spec.nodeSelector, { 'node-role.deckhouse.io/egress': '' });
  });

  it('gateway without mode and only the virtual-IP block gets mode VirtualIPAddress', async () => {
    const object = gateway('gw', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vipBlock });
    assert.deepEqual(patchOf(await mutate(object)), [{ op: 'add', path: '/spec/sourceIP/mode', value: 'VirtualIPAddress' }]);
  });

  it('gateway without mode and only the basic block gets mode PrimaryIPFromEgressGatewayNodeInterface, on UPDATE too', async () => {
    const object = gateway('gw', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: primaryBlock });
    assert.deepEqual(patchOf(await mutate(object, 'UPDATE')), [
      { op: 'add', path: '/spec/sourceIP/mode', value: 'PrimaryIPFromEgressGatewayNodeInterface' },
    ]);
  });

  it('no mode is guessed with both blocks or neither', async () => {
    assert.equal(patchOf(await mutate(gateway('gw', { nodeSelector: {}, sourceIP: { ...primaryBlock, ...vipBlock } }))), undefined);
    assert.equal(patchOf(await mutate(gateway('gw', { nodeSelector: {}, sourceIP: {} }))), undefined);
  });

  it('never rewrites what the user wrote: explicit empty nodeSelector, a wrong mode', async () => {
    const res = await mutate(gateway('gw', { nodeSelector: {}, sourceIP: { mode: 'VirtualIP', ...vipBlock } }));
    assert.deepEqual(res, { uid: res.uid, allowed: true });
  });

  it('a null nodeSelector counts as absent (the API server prunes nulls)', async () => {
    const object = gateway('gw', { nodeSelector: null, sourceIP: { mode: 'VirtualIPAddress', ...vipBlock } });
    const patch = patchOf(await mutate(object));
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/nodeSelector', value: { 'node-role.deckhouse.io/egress': '' } }]);
    assert.deepEqual(apply(object, patch).spec.nodeSelector, { 'node-role.deckhouse.io/egress': '' });
  });

  it('a gateway without spec gets spec with the default selector in one operation', async () => {
    const object = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'gw' } };
    const patch = patchOf(await mutate(object));
    assert.deepEqual(patch, [{ op: 'add', path: '/spec', value: { nodeSelector: { 'node-role.deckhouse.io/egress': '' } } }]);
    assert.deepEqual(apply(object, patch).spec, { nodeSelector: { 'node-role.deckhouse.io/egress': '' } });
  });

  it('policy without destinationCIDRs gets 0.0.0.0/0', async () => {
    const object = policy('p', { egressGatewayName: 'egress-gw', selectors: [{ podSelector: { matchLabels: { app: 'x' } } }] });
    const patch = patchOf(await mutate(object));
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/destinationCIDRs', value: ['0.0.0.0/0'] }]);
    assert.deepEqual(apply(object, patch).spec.destinationCIDRs, ['0.0.0.0/0']);
  });

  it('policy with destinationCIDRs, even empty, is left alone', async () => {
    assert.equal(patchOf(await mutate(policy('p', { egressGatewayName: 'egress-gw', destinationCIDRs: [] }))), undefined);
  });

  it('DELETE is never patched', async () => {
    const res = await wh.review('/mutate', reviewOf(null, { operation: 'DELETE', oldObject: policy('p', {}) }));
    assert.deepEqual(res, { uid: res.uid, allowed: true });
  });
});

describe('configured defaults', () => {
  it('a configured node selector and destination list are what gets filled', async () => {
    const wh = await startWebhook({ config: { defaultNodeSelector: { 'dedicated/egress': '', 'a~b': 'x' }, defaultDestinationCIDRs: ['0.0.0.0/0', '::/0'] } });
    try {
      const g = await wh.review('/mutate', reviewOf(gateway('gw', { sourceIP: { mode: 'VirtualIPAddress', ...vipBlock } })));
      assert.deepEqual(patchOf(g), [{ op: 'add', path: '/spec/nodeSelector', value: { 'dedicated/egress': '', 'a~b': 'x' } }]);
      const p = await wh.review('/mutate', reviewOf(policy('p', { egressGatewayName: 'egress-gw' })));
      assert.deepEqual(patchOf(p), [{ op: 'add', path: '/spec/destinationCIDRs', value: ['0.0.0.0/0', '::/0'] }]);
    } finally {
      await wh.close();
    }
  });
});
