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
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/nodeSelector', value: { 'dedicated/egress': '' } }]);
    assert.deepEqual(apply(object, patch).spec.nodeSelector, { 'dedicated/egress': '' });
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

  // The API server checks the platform's CRD schema between the two webhooks: what it would refuse (here the mode,
  // an enum there) is denied on /mutate already, with the validating webhook's whole answer, so the user reads ours.
  const denied = async (object: any) => {
    const res = await wh.review('/mutate', reviewOf(object));
    assert.equal(res.allowed, false);
    assert.equal(res.patch, undefined);
    return [res.status.code, res.status.message, res.warnings];
  };
  const modeRequired = `spec.sourceIP.mode: Required value: supported values: "PrimaryIPFromEgressGatewayNodeInterface", "VirtualIPAddress"`;

  it('no mode is guessed with both blocks or neither: denied on /mutate, as the CRD schema would', async () => {
    assert.deepEqual(await denied(gateway('gw', { nodeSelector: {}, sourceIP: { ...primaryBlock, ...vipBlock } })), [
      422,
      `EgressGateway "gw" is invalid: ${modeRequired}`,
      ['spec.nodeSelector is empty, so every node in the cluster is an egress candidate; set labels to pick nodes'],
    ]);
    assert.deepEqual((await denied(gateway('gw', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: {} }))).slice(0, 2), [422, `EgressGateway "gw" is invalid: ${modeRequired}`]);
  });

  it('never rewrites what the user wrote: a wrong mode is denied on /mutate, an explicit empty nodeSelector kept', async () => {
    assert.deepEqual((await denied(gateway('gw', { nodeSelector: {}, sourceIP: { mode: 'VirtualIP', ...vipBlock } }))).slice(0, 2), [
      422,
      'EgressGateway "gw" is invalid: spec.sourceIP.mode: Unsupported value: "VirtualIP": supported values: "PrimaryIPFromEgressGatewayNodeInterface", "VirtualIPAddress"; did you mean "VirtualIPAddress"?',
    ]);
    const res = await mutate(gateway('gw', { nodeSelector: {}, sourceIP: { mode: 'VirtualIPAddress', ...vipBlock } }));
    assert.deepEqual(res, { uid: res.uid, allowed: true });
  });

  it('a missing mode block, or a policy without egressGatewayName, is denied on /mutate', async () => {
    assert.deepEqual(await denied(gateway('gw', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress' } })), [
      422,
      'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress: Required value: must be set when mode is "VirtualIPAddress"',
      undefined,
    ]);
    assert.deepEqual(await denied(policy('p', { selectors: [{ podSelector: { matchLabels: { app: 'x' } } }] })), [
      422,
      'EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Required value',
      undefined,
    ]);
  });

  it('what only the validating webhook refuses is not denied on /mutate (a missing gateway: it may arrive first)', async () => {
    const res = await mutate(policy('p', { egressGatewayName: 'not-yet', destinationCIDRs: ['10.0.0.0/8'], selectors: [{ podSelector: { matchLabels: { app: 'x' } } }] }));
    assert.deepEqual(res, { uid: res.uid, allowed: true });
  });

  it('a null nodeSelector counts as absent (the API server prunes nulls)', async () => {
    const object = gateway('gw', { nodeSelector: null, sourceIP: { mode: 'VirtualIPAddress', ...vipBlock } });
    const patch = patchOf(await mutate(object));
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/nodeSelector', value: { 'dedicated/egress': '' } }]);
    assert.deepEqual(apply(object, patch).spec.nodeSelector, { 'dedicated/egress': '' });
  });

  it('a gateway without spec is denied on /mutate, naming what it lacks after defaulting', async () => {
    const object = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'gw' } };
    assert.deepEqual(await denied(object), [422, 'EgressGateway "gw" is invalid: spec.sourceIP: Required value', undefined]);
  });

  it('policy without destinationCIDRs gets 0.0.0.0/0', async () => {
    const object = policy('p', { egressGatewayName: 'egress-gw', selectors: [{ podSelector: { matchLabels: { app: 'x' } } }] });
    const patch = patchOf(await mutate(object));
    assert.deepEqual(patch, [{ op: 'add', path: '/spec/destinationCIDRs', value: ['0.0.0.0/0'] }]);
    assert.deepEqual(apply(object, patch).spec.destinationCIDRs, ['0.0.0.0/0']);
  });

  it('policy with destinationCIDRs, even empty, is left alone', async () => {
    const res = await wh.review('/mutate', reviewOf(policy('p', { egressGatewayName: 'egress-gw', destinationCIDRs: [], selectors: [{ podSelector: { matchLabels: { app: 'x' } } }] })));
    assert.deepEqual(res, { uid: res.uid, allowed: true });
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
