// Benchmark, not a test: the webhook's memory with 5,000 Nodes and 10,000 agent Pods in the live cache.
// The objects go through the real code path (paged list over HTTP, client-node decoding, reduction to
// summaries) from a loopback stand-in for the API server. Nodes are made as heavy as real ones
// (images, annotations, conditions: ~20 KB each), since that is what the reduction is for.
// Run: npm run bench:cache
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { LiveClusterState } from '../../src/cluster/live-state.js';
import { FakeApiServer } from '../helpers/fake-apiserver.js';

const nodeCount = Number(process.env['NODES'] ?? 5000);
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function heavyNode(i: number) {
  const name = `node-${String(i).padStart(5, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      resourceVersion: String(i + 10),
      labels: { 'kubernetes.io/hostname': name, 'node.deckhouse.io/group': `group-${i % 20}`, ...(i % 50 === 0 ? { 'dedicated/egress': '' } : {}) },
      annotations: Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`example.com/annotation-${k}`, 'x'.repeat(200)])),
    },
    spec: { podCIDR: `10.${i >> 8}.${i & 255}.0/24`, providerID: `static://${name}` },
    status: {
      addresses: [
        { type: 'InternalIP', address: `10.200.${i >> 8}.${i & 255}` },
        { type: 'Hostname', address: name },
      ],
      conditions: ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({
        type,
        status: type === 'Ready' ? 'True' : 'False',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status'.repeat(3),
        lastHeartbeatTime: '2026-11-22T10:00:00Z',
        lastTransitionTime: '2026-11-22T10:00:00Z',
      })),
      images: Array.from({ length: 60 }, (_, k: number) => ({
        names: [`registry.example.com/some/image-${k}@sha256:${'a'.repeat(64)}`, `registry.example.com/some/image-${k}:v1.${k}`],
        sizeBytes: 100_000_000 + k,
      })),
      nodeInfo: { kubeletVersion: 'v1.31.0', osImage: 'Ubuntu 24.04', containerRuntimeVersion: 'containerd://2.0.0' },
    },
  };
}

function agentPod(i: number, agent: 'cilium' | 'egress') {
  const labels = agent === 'cilium' ? { app: 'agent', module: 'cni-cilium' } : { app: 'egress-gateway-agent' };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${agent}-${i}`, namespace: 'd8-cni-cilium', labels, resourceVersion: String(i), annotations: { 'kubectl.kubernetes.io/default-container': 'agent' } },
    spec: { nodeName: `node-${String(i).padStart(5, '0')}`, containers: [{ name: 'agent', image: `registry.example.com/cilium@sha256:${'b'.repeat(64)}`, args: Array(20).fill('--flag=value') }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }], podIP: `10.200.0.${i % 250}` },
  };
}

async function main(): Promise<void> {
  gc?.();
  const baseline = process.memoryUsage();
  const api = new FakeApiServer();
  await api.start();
  const pods = '/api/v1/namespaces/d8-cni-cilium/pods';
  api.lists.set('/api/v1/nodes', { items: Array.from({ length: nodeCount }, (_, i) => heavyNode(i)), resourceVersion: '100000' });
  api.lists.set(`${pods}?labelSelector=app=agent,module=cni-cilium`, { items: Array.from({ length: nodeCount }, (_, i) => agentPod(i, 'cilium')), resourceVersion: '100000' });
  api.lists.set(`${pods}?labelSelector=app=egress-gateway-agent`, { items: Array.from({ length: nodeCount }, (_, i) => agentPod(i, 'egress')), resourceVersion: '100000' });
  api.lists.set('/apis/network.deckhouse.io/v1alpha1/egressgateways', { items: [], resourceVersion: '1' });
  api.lists.set('/apis/network.deckhouse.io/v1alpha1/egressgatewaypolicies', { items: [], resourceVersion: '1' });
  const nodeBytes = JSON.stringify(heavyNode(1)).length;

  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'b', server: api.url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'b', user: 'u' }], currentContext: 'c' });
  const started = Date.now();
  const state = new LiveClusterState({ kubeConfig: kc, agents: deckhouseAgents, logger: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }) });
  state.start();
  while (!state.store.syncStatus().synced) await new Promise((r) => setTimeout(r, 50));
  const syncMs = Date.now() - started;

  // What stays is the webhook's own: drop the stand-in's copies of the objects before measuring.
  api.lists.clear();
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = process.memoryUsage();
  const rows: [string, string][] = [
    ['nodes in cache', String(state.store.nodesMatching({}).length)],
    ['agent pods in cache', String(nodeCount * 2)],
    ['size of one node object', `${(nodeBytes / 1024).toFixed(1)} KB`],
    ['initial sync', `${syncMs} ms`],
    ['RSS', mb(after.rss)],
    ['heap used (cache + process)', mb(after.heapUsed)],
    ['heap used before start', mb(baseline.heapUsed)],
  ];
  console.log(JSON.stringify(Object.fromEntries(rows)));
  for (const [k, v] of rows) console.log(`${k.padEnd(30)} ${v}`);
  if (!gc) console.log('(run with node --expose-gc for settled figures)');
  state.stop();
  await api.stop();
}

await main();
