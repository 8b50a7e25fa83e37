import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { deckhouseAgents, upstreamCiliumAgents } from '../src/cluster/agents.js';
import { LiveClusterState } from '../src/cluster/live-state.js';
import { Reflector } from '../src/cluster/reflector.js';
import { FakeApiServer } from './helpers/fake-apiserver.js';

// The watch cache against scripted list/watch streams: resume after a closed stream, relist after 410 Gone
// (as an event or as a status), survive disconnects and an API server outage, page through large lists.

const nodesPath = '/api/v1/nodes';
const podsPath = '/api/v1/namespaces/d8-cni-cilium/pods';
const gwPath = '/apis/network.deckhouse.io/v1alpha1/egressgateways';
const policyPath = '/apis/network.deckhouse.io/v1alpha1/egressgatewaypolicies';

const node = (name: string, rv: string, labels: Record<string, string> = { 'dedicated/egress': '' }) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels, resourceVersion: rv },
  status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `10.0.0.${name.length}` }] },
});
const gw = (name: string, rv: string) => ({
  apiVersion: 'network.deckhouse.io/v1alpha1',
  kind: 'EgressGateway',
  metadata: { name, resourceVersion: rv },
  spec: { sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '172.18.18.242' } } },
});

function kubeConfigFor(server: FakeApiServer): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'fake', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

function collectingLogger() {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const names = (state: LiveClusterState) => state.store.nodesMatching({}).map((n) => n.name);

describe('live cluster state against a scripted API server', () => {
  let api: FakeApiServer;
  let state: LiveClusterState | undefined;
  let log: ReturnType<typeof collectingLogger>;

  beforeEach(async () => {
    api = new FakeApiServer();
    await api.start();
    for (const p of [nodesPath, gwPath, policyPath]) api.lists.set(p, { items: [], resourceVersion: '1' });
    api.lists.set(`${podsPath}?labelSelector=app=agent,module=cni-cilium`, { items: [], resourceVersion: '1' });
    api.lists.set(`${podsPath}?labelSelector=app=egress-gateway-agent`, { items: [], resourceVersion: '1' });
    log = collectingLogger();
  });
  afterEach(async () => {
    state?.stop();
    state = undefined;
    await api.stop();
  });

  const startState = () => {
    state = new LiveClusterState({ kubeConfig: kubeConfigFor(api), agents: deckhouseAgents, logger: log.logger, minBackoffMs: 20 });
    state.start();
    return state;
  };

  it('is unsynced until every kind is listed, then applies watch events and resumes from the last version', async () => {
    api.lists.set(nodesPath, { items: [node('a', '5'), node('b', '6')], resourceVersion: '10' });
    api.watches.set(nodesPath, [
      {
        events: [
          { type: 'ADDED', object: node('c', '11') },
          { type: 'MODIFIED', object: node('a', '12', { other: 'x' }) },
          { type: 'DELETED', object: node('b', '13') },
        ],
        end: 'close',
      },
    ]);
    const s = startState();
    await until('sync', () => s.store.syncStatus().synced);
    await until('events', () => names(s).join() === 'a,c');
    assert.deepEqual(s.store.nodesMatching({ 'dedicated/egress': '' }).map((n) => n.name), ['c']);
    await until('second watch', () => api.watchRequests(nodesPath).length === 2);
    const [first, second] = api.watchRequests(nodesPath);
    assert.equal(first!.query['resourceVersion'], '10');
    assert.equal(second!.query['resourceVersion'], '13', 'resumed after the closed stream, without relisting');
    assert.equal(api.listRequests(nodesPath).length, 1);
    assert.ok(Number(second!.query['timeoutSeconds']) >= 300);
  });

  it('relists after a 410 Gone event, dropping what vanished meanwhile', async () => {
    api.lists.set(nodesPath, { items: [node('a', '5'), node('b', '6')], resourceVersion: '10' });
    api.nextLists.set(nodesPath, [
      { items: [node('a', '5'), node('b', '6')], resourceVersion: '10' },
      { items: [node('a', '21'), node('d', '22')], resourceVersion: '30' },
    ]);
    api.watches.set(nodesPath, [{ events: [{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }], end: 'close' }]);
    const s = startState();
    await until('sync', () => s.store.syncStatus().synced);
    await until('relist', () => api.listRequests(nodesPath).length === 2);
    await until('relisted state', () => names(s).join() === 'a,d');
    await until('watch from the new list', () => api.watchRequests(nodesPath).at(-1)?.query['resourceVersion'] === '30');
    assert.ok(log.lines.some((l) => l.msg === 'watch expired (410 Gone); relisting' && l.kind === 'nodes'));
  });

  it('relists after a watch answered with HTTP 410', async () => {
    api.lists.set(nodesPath, { items: [node('a', '5')], resourceVersion: '10' });
    api.watches.set(nodesPath, [{ status: 410, end: 'close' }]);
    const s = startState();
    await until('sync', () => s.store.syncStatus().synced);
    await until('relist', () => api.listRequests(nodesPath).length === 2);
  });

  it('resumes after a cut connection, from the last version seen', async () => {
    api.lists.set(nodesPath, { items: [], resourceVersion: '10' });
    api.watches.set(nodesPath, [{ events: [{ type: 'ADDED', object: node('a', '15') }], end: 'destroy' }]);
    const s = startState();
    await until('event', () => names(s).join() === 'a');
    await until('reconnect', () => api.watchRequests(nodesPath).length === 2);
    assert.equal(api.watchRequests(nodesPath)[1]!.query['resourceVersion'], '15');
  });

  it('survives an API server outage: keeps its cache, logs once per incident, recovers', async () => {
    api.lists.set(gwPath, { items: [gw('gw1', '3')], resourceVersion: '10' });
    const s = startState();
    await until('sync', () => s.store.syncStatus().synced);
    const port = api.port;
    await api.stop();
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(s.store.gateway('gw1'), 'the cache still answers during the outage');
    const warns = log.lines.filter((l) => l.msg === 'watch failed; retrying with backoff');
    assert.equal(warns.filter((l) => l.kind === 'egressgateways').length, 1, 'one warning per kind per incident');
    assert.ok(log.lines.filter((l) => l.msg === 'watch still failing').length > 0, 'retries are logged at debug only');
    api.lists.set(gwPath, { items: [gw('gw2', '40')], resourceVersion: '50' });
    api.watches.set(gwPath, [{ status: 410, end: 'close' }]);
    await api.start(port);
    await until('recovery', () => s.store.gateway('gw2') !== undefined && s.store.gateway('gw1') === undefined, 10_000);
    await until('recovered log', () => log.lines.some((l) => l.msg === 'watch recovered' && l.kind === 'egressgateways'), 10_000);
  });

  it('pages through long lists: Nodes 50 at a time, gateways 500', async () => {
    const many = Array.from({ length: 123 }, (_, i) => node(`n${i}`, String(i)));
    api.lists.set(nodesPath, { items: many, resourceVersion: '2000' });
    const gateways = Array.from({ length: 1203 }, (_, i) => gw(`gw${i}`, String(i)));
    api.lists.set(gwPath, { items: gateways, resourceVersion: '2000' });
    const s = startState();
    await until('sync', () => s.store.syncStatus().synced);
    assert.equal(s.store.nodesMatching({}).length, 123);
    assert.ok(s.store.gateway('gw1202'));
    assert.deepEqual(api.listRequests(nodesPath).map((r) => [r.query['limit'], r.query['continue']]), [
      ['50', undefined],
      ['50', '50'],
      ['50', '100'],
    ]);
    assert.deepEqual(api.listRequests(gwPath).map((r) => [r.query['limit'], r.query['continue']]), [
      ['500', undefined],
      ['500', '500'],
      ['500', '1000'],
    ]);
  });

  it('keeps only agent pods that match, per node', async () => {
    const pod = (name: string, nodeName: string, labels: Record<string, string>, ready: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'd8-cni-cilium', labels, resourceVersion: '1' },
      spec: { nodeName },
      status: { conditions: [{ type: 'Ready', status: ready }] },
    });
    api.lists.set(`${podsPath}?labelSelector=app=agent,module=cni-cilium`, { items: [pod('agent-1', 'a', { app: 'agent', module: 'cni-cilium' }, 'True')], resourceVersion: '5' });
    api.lists.set(`${podsPath}?labelSelector=app=egress-gateway-agent`, { items: [pod('egw-1', 'a', { app: 'egress-gateway-agent' }, 'False')], resourceVersion: '5' });
    const s = startState();
    await until('sync', () => s.store.syncStatus().synced);
    assert.deepEqual(s.store.agents('a'), { cilium: true, egressGateway: false });
    await until('both pod watches', () => api.watchRequests(podsPath).length >= 2);
    const labelSelectors = api.watchRequests(podsPath).map((r) => r.query['labelSelector']).sort();
    assert.deepEqual(labelSelectors, ['app=agent,module=cni-cilium', 'app=egress-gateway-agent']);
  });

  it('a cluster without Deckhouse: upstream Cilium agents and nodes only, synced without network.deckhouse.io', async () => {
    const ciliumPods = '/api/v1/namespaces/kube-system/pods';
    api.lists.set(`${ciliumPods}?labelSelector=k8s-app=cilium`, {
      items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cilium-x', namespace: 'kube-system', labels: { 'k8s-app': 'cilium' }, resourceVersion: '3' }, spec: { nodeName: 'a' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
      resourceVersion: '3',
    });
    state = new LiveClusterState({ kubeConfig: kubeConfigFor(api), agents: upstreamCiliumAgents, deckhouse: false, logger: log.logger, minBackoffMs: 20 });
    state.start();
    const s = state;
    await until('sync', () => s.store.syncStatus().synced);
    assert.deepEqual(s.store.agents('a'), { cilium: true, egressGateway: false });
    assert.deepEqual(s.store.kindStatus().map((k) => k.kind), ['nodes', 'cilium-agents']);
    assert.ok(!api.requests.some((r) => r.path.startsWith('/apis/network.deckhouse.io')), 'nothing asked of network.deckhouse.io');
  });

  it('fetchGateway: found, missing (404), and failing (rejects, so the reference is "unchecked")', async () => {
    api.objects.set(`${gwPath}/fresh`, gw('fresh', '99'));
    api.objects.set(`${gwPath}/broken`, 500);
    const s = startState();
    assert.equal((await s.store.fetchGateway('fresh'))?.virtualIP, '172.18.18.242');
    assert.equal(await s.store.fetchGateway('nope'), undefined);
    await assert.rejects(s.store.fetchGateway('broken'));
  });

});

describe('reflector', () => {
  it('applies a paged relist in one step after its last page, so no review sees half a list', async () => {
    let releaseSecondPage!: () => void;
    const secondPage = new Promise<void>((r) => (releaseSecondPage = r));
    const applied: string[] = [];
    let synced = false;
    const reflector = new Reflector<string>({
      kind: 'nodes',
      source: {
        watchPath: '/api/v1/nodes',
        async list(_limit, token) {
          if (!token) return { items: [node('a', '1'), node('b', '2')], metadata: { continue: 'page2' } };
          await secondPage;
          return { items: [node('c', '3')], metadata: { resourceVersion: '3' } };
        },
      },
      // A watch that never delivers: only the list matters here.
      watch: { watch: () => new Promise(() => undefined) },
      handlers: {
        reduce: (obj) => (obj as { metadata: { name: string } }).metadata.name,
        upsert: (name) => applied.push(name),
        remove: () => undefined,
        synced: () => (synced = true),
      },
      logger: collectingLogger().logger,
    });
    reflector.start();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(applied, [], 'nothing of the first page is applied while the second is pending');
    releaseSecondPage();
    await until('applied', () => synced);
    assert.deepEqual(applied, ['a', 'b', 'c']);
    reflector.stop();
  });
});
