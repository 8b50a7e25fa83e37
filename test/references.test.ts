import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxLookupsPerSecond, MemoryClusterState } from '../src/cluster/memory-state.js';
import type { GatewayInfo } from '../src/cluster/state.js';
import { exampleState, gateway, policy, reviewOf, startWebhook } from './helpers/webhook.js';
import { resolveGatewayReference } from '../src/admission/admit.js';

// References between objects: a policy's gateway (confirmed by a live lookup on a cache miss) and the
// policies that keep a gateway from being deleted.

const backend = [{ podSelector: { matchLabels: { app: 'backend' } } }];
const usedGateway = gateway('egress-gw', {
  nodeSelector: { 'dedicated/egress': '' },
  sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } },
});

/** A cache that has not seen a gateway yet, with an API server that answers (or fails) a GET for it. */
class LaggingCache extends MemoryClusterState {
  constructor(private readonly live: (name: string) => Promise<GatewayInfo | undefined>, pending = false) {
    super(pending ? ['egressgateways'] : []);
  }
  override fetchGateway(name: string) {
    return this.live(name);
  }
}

async function withWebhook<T>(opts: Parameters<typeof startWebhook>[0], fn: (wh: Awaited<ReturnType<typeof startWebhook>>) => Promise<T>) {
  const wh = await startWebhook(opts);
  try {
    return await fn(wh);
  } finally {
    await wh.close();
  }
}

describe('gateway lookups at the API server, for a gateway the cache has not seen', () => {
  const gw = (name: string): GatewayInfo => ({ name, mode: 'PrimaryIPFromEgressGatewayNodeInterface' });

  it('reviews naming the same gateway at once share one GET', async () => {
    const asked: string[] = [];
    let answer: (g: GatewayInfo) => void = () => undefined;
    const state = new MemoryClusterState([], (name) => {
      asked.push(name);
      return new Promise((resolve) => (answer = resolve));
    });
    const all = Promise.all(Array.from({ length: 20 }, () => state.fetchGateway('new-gw')));
    answer(gw('new-gw'));
    assert.deepEqual((await all).map((g) => g?.name), Array(20).fill('new-gw'));
    assert.deepEqual(asked, ['new-gw']);
  });

  it(`past ${maxLookupsPerSecond} a second none is made: the reference is unchecked, never "missing"`, async () => {
    const asked: string[] = [];
    const state = new MemoryClusterState([], async (name: string) => {
      asked.push(name);
      return undefined;
    });
    const names = Array.from({ length: 200 }, (_, i) => `missing-${i}`);
    const settled = await Promise.allSettled(names.map((n) => state.fetchGateway(n)));
    assert.equal(asked.length, maxLookupsPerSecond, 'one GET per token');
    assert.deepEqual(
      settled.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message),
      Array(200 - maxLookupsPerSecond).fill(`more than ${maxLookupsPerSecond} gateway lookups a second`),
    );
    // A reference met in the same moment: unchecked with that reason (what --on-unchecked-reference decides on).
    const again = new MemoryClusterState([], async () => undefined);
    for (let i = 0; i < maxLookupsPerSecond; i++) void again.fetchGateway(`other-${i}`);
    assert.deepEqual(await resolveGatewayReference(again, 'one-more'), { status: 'unchecked', reason: `more than ${maxLookupsPerSecond} gateway lookups a second` });
  });

  it('a lookup that failed is not shared with the next review: that one asks again', async () => {
    let calls = 0;
    const state = new MemoryClusterState([], async () => {
      calls++;
      throw new Error('timeout');
    });
    await assert.rejects(state.fetchGateway('gw'));
    await assert.rejects(state.fetchGateway('gw'));
    assert.equal(calls, 2);
  });
});

describe('policy → gateway reference', () => {
  it('a gateway the cache has not seen yet but the API server has passes (live lookup on a miss)', async () => {
    const asked: string[] = [];
    const state = new LaggingCache(async (name) => {
      asked.push(name);
      return { name, mode: 'PrimaryIPFromEgressGatewayNodeInterface' };
    });
    await withWebhook({ state }, async (wh) => {
      const res = await wh.review('/validate', reviewOf(policy('p', { egressGatewayName: 'just-created', destinationCIDRs: ['0.0.0.0/0'], selectors: backend })));
      assert.equal(res.allowed, true, res.status?.message);
      assert.deepEqual(asked, ['just-created']);
    });
  });

  it('unchecked (cache not synced, API server down): allowed with a warning by default', async () => {
    const state = new LaggingCache(() => Promise.reject(new Error('connect ECONNREFUSED')), true);
    await withWebhook({ state }, async (wh) => {
      const res = await wh.review('/validate', reviewOf(policy('p', { egressGatewayName: 'gw', destinationCIDRs: ['0.0.0.0/0'], selectors: backend })));
      assert.equal(res.allowed, true);
      assert.deepEqual(res.warnings, ['spec.egressGatewayName gw was not checked: the cluster state is not synced and the API server did not answer']);
    });
  });

  it('unchecked because the API server refused (403): the warning says it answered, and with what', async () => {
    const state = new LaggingCache(() => Promise.reject(Object.assign(new Error('HTTP-Code: 403'), { code: 403 })), true);
    await withWebhook({ state }, async (wh) => {
      const res = await wh.review('/validate', reviewOf(policy('p', { egressGatewayName: 'gw', destinationCIDRs: ['0.0.0.0/0'], selectors: backend })));
      assert.deepEqual(res.warnings, ['spec.egressGatewayName gw was not checked: the cluster state is not synced and the API server answered HTTP 403']);
    });
  });

  it('unchecked with --on-unchecked-reference deny: denied, saying to retry', async () => {
    const state = new LaggingCache(() => Promise.reject(new Error('timeout')), true);
    await withWebhook({ state, config: { uncheckedReference: 'deny' } }, async (wh) => {
      const res = await wh.review('/validate', reviewOf(policy('p', { egressGatewayName: 'gw', destinationCIDRs: ['0.0.0.0/0'], selectors: backend })));
      assert.equal(res.allowed, false);
      assert.equal(
        res.status.message,
        'EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Invalid value: "gw": could not be checked (the cluster state is not synced and the API server did not answer); retry in a moment',
      );
    });
  });
});

describe('DELETE of a gateway', () => {
  it('denied while policies name it, naming them (403 Forbidden)', async () => {
    await withWebhook({}, async (wh) => {
      const res = await wh.review('/validate', reviewOf(null, { operation: 'DELETE', oldObject: usedGateway }));
      assert.equal(res.allowed, false);
      assert.deepEqual([res.status.code, res.status.reason], [403, 'Forbidden']);
      assert.equal(
        res.status.message,
        'EgressGateway "egress-gw" is forbidden: still used by EgressGatewayPolicy "backend-via-egress-gw"; delete that policy or change its spec.egressGatewayName first',
      );
    });
  });

  it('names at most ten policies and counts the rest', async () => {
    const state = await exampleState();
    for (let i = 0; i < 12; i++) state.upsertPolicy({ name: `p${String(i).padStart(2, '0')}`, gatewayName: 'egress-gw' });
    await withWebhook({ state }, async (wh) => {
      const res = await wh.review('/validate', reviewOf(null, { operation: 'DELETE', oldObject: usedGateway }));
      assert.equal(
        res.status.message,
        'EgressGateway "egress-gw" is forbidden: still used by EgressGatewayPolicy "backend-via-egress-gw", "p00", "p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08" and 3 more; delete those policies or change their spec.egressGatewayName first',
      );
    });
  });

  it('with --on-delete-in-use warn: allowed with a warning', async () => {
    await withWebhook({ config: { deleteInUse: 'warn' } }, async (wh) => {
      const res = await wh.review('/validate', reviewOf(null, { operation: 'DELETE', oldObject: usedGateway }));
      assert.equal(res.allowed, true);
      assert.deepEqual(res.warnings, ['traffic of these policies no longer uses EgressGateway "egress-gw": "backend-via-egress-gw"']);
    });
  });

  it('a gateway no policy names is deleted freely; so is any policy', async () => {
    await withWebhook({}, async (wh) => {
      const unused = gateway('my-egressgw', usedGateway.spec);
      const res = await wh.review('/validate', reviewOf(null, { operation: 'DELETE', oldObject: unused }));
      assert.equal(res.allowed, true);
      assert.equal(res.warnings, undefined);
      const p = await wh.review('/validate', reviewOf(null, { operation: 'DELETE', oldObject: policy('backend-via-egress-gw', { egressGatewayName: 'egress-gw' }) }));
      assert.equal(p.allowed, true);
    });
  });

  it('while the cache is not synced: allowed with a warning that policies were not checked', async () => {
    const state = new LaggingCache(async () => undefined, true);
    await withWebhook({ state }, async (wh) => {
      const res = await wh.review('/validate', reviewOf(null, { operation: 'DELETE', oldObject: usedGateway }));
      assert.equal(res.allowed, true);
      assert.deepEqual(res.warnings, ['policies naming EgressGateway "egress-gw" were not checked: the cluster state is not synced yet']);
    });
  });
});
