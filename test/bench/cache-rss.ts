// Benchmark, not a test: the webhook's memory with NODES Nodes (default 5,000) and twice as many agent Pods in the
// live cache. The objects go through the real code path (paged list over HTTP, client-node decoding, reduction to
// summaries) from a loopback stand-in for the API server, which then sends Node updates as a running cluster does.
// Nodes are made as heavy as real ones (images, annotations, conditions: ~20 KB each), since that is what the
// reduction is for. The stand-in makes each page when it is asked for (50,000 such Nodes would be a gigabyte), so
// the process holds the cache and one page.
// Run: npm run bench:cache (NODES=50000 npm run bench:cache for the large row), with the image's node flags.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { LiveClusterState } from '../../src/cluster/live-state.js';
import { FakeApiServer } from '../helpers/fake-apiserver.js';
import { peakRssMB } from './process-stats.js';

const nodeCount = Number(process.env['NODES'] ?? 5000);
const updatesPerSecond = Number(process.env['UPDATES_PER_SECOND'] ?? Math.round(nodeCount / 300));
const feedSeconds = Number(process.env['FEED_SECONDS'] ?? 30);
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

/**
 * A list of `n` objects made on demand: the stand-in reads only `length` and `slice` of a list, so a page is built
 * when it is served and dropped after.
 */
function lazyList(n: number, make: (i: number) => unknown): unknown[] {
  return { length: n, slice: (from: number, to: number) => Array.from({ length: Math.max(0, Math.min(to, n) - from) }, (_, k) => make(from + k)) } as unknown as unknown[];
}

/** The stand-in, in a process of its own so that its pages are not counted as the webhook's memory. */
async function standIn(): Promise<void> {
  const api = new FakeApiServer();
  await api.start();
  const pods = '/api/v1/namespaces/d8-cni-cilium/pods';
  api.lists.set('/api/v1/nodes', { items: lazyList(nodeCount, heavyNode), resourceVersion: '100000' });
  // The live feed: every 100 ms a tenth of the second's Node updates, each a whole Node with a new resourceVersion.
  let version = 100000;
  let next = 0;
  let ticks = 0;
  api.watches.set('/api/v1/nodes', [
    {
      end: 'hang',
      feed: (send) => {
        const timer = setInterval(() => {
          ticks++;
          const due = Math.floor((ticks * updatesPerSecond) / 10) - Math.floor(((ticks - 1) * updatesPerSecond) / 10);
          for (let k = 0; k < due; k++) {
            const node = heavyNode(next++ % nodeCount);
            node.metadata.resourceVersion = String(++version);
            send({ type: 'MODIFIED', object: node });
          }
        }, 100);
        return () => clearInterval(timer);
      },
    },
  ]);
  api.lists.set(`${pods}?labelSelector=app=agent,module=cni-cilium`, { items: lazyList(nodeCount, (i) => agentPod(i, 'cilium')), resourceVersion: '100000' });
  api.lists.set(`${pods}?labelSelector=app=egress-gateway-agent`, { items: lazyList(nodeCount, (i) => agentPod(i, 'egress')), resourceVersion: '100000' });
  api.lists.set('/apis/network.deckhouse.io/v1alpha1/egressgateways', { items: [], resourceVersion: '1' });
  api.lists.set('/apis/network.deckhouse.io/v1alpha1/egressgatewaypolicies', { items: [], resourceVersion: '1' });
  process.stdout.write(`URL ${api.url}\n`);
  // Ends with its parent.
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

async function main(): Promise<void> {
  gc?.();
  const baseline = process.memoryUsage();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'stand-in'], { env: { ...process.env, NODES: String(nodeCount) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`stand-in exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => line.startsWith('URL ') && resolve(line.slice(4)));
  });
  const nodeBytes = JSON.stringify(heavyNode(1)).length;

  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'b', server: url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'b', user: 'u' }], currentContext: 'c' });
  const started = Date.now();
  const state = new LiveClusterState({ kubeConfig: kc, agents: deckhouseAgents, logger: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }) });
  state.start();
  while (!state.store.syncStatus().synced) await new Promise((r) => setTimeout(r, 50));
  const syncMs = Date.now() - started;

  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = process.memoryUsage();
  // Then the cluster as it runs: each Node's status comes back every few minutes (the kubelet's status report),
  // UPDATES_PER_SECOND MODIFIED events in all (default: 50,000 Nodes every 5 minutes). The RSS of that running
  // process is the figure a memory limit meets; right after the sync it also counts pages V8 keeps in its pool
  // until a later GC hands them back (--memory-pool-timeout, 8 s on Node 26).
  const running: number[] = [];
  for (let s = 0; s < feedSeconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    running.push(process.memoryUsage().rss);
  }
  const lastTen = running.slice(-10);
  // The feed reached the cache: the store heard from the Node watch within the last second.
  const lastNodeEventMs = Date.now() - (state.store.kindStatus().find((k) => k.kind === 'nodes')?.lastSyncMs ?? 0);
  const rows: [string, string][] = [
    ['nodes in cache', String(state.store.nodesMatching({}).length)],
    ['agent pods in cache', String(nodeCount * 2)],
    ['size of one node object', `${(nodeBytes / 1024).toFixed(1)} KB`],
    ['initial sync', `${syncMs} ms`],
    ['RSS right after the sync', mb(after.rss)],
    [`RSS under ${updatesPerSecond} Node updates/s, last ${lastTen.length} of ${feedSeconds} s (min-max)`, `${mb(Math.min(...lastTen))} - ${mb(Math.max(...lastTen))}`],
    ['last Node event before the end of the feed', `${lastNodeEventMs} ms`],
    ['peak RSS (during the sync)', mb(peakRssMB('self') * 1024 * 1024)],
    ['heap used (cache + process)', mb(after.heapUsed)],
    ['heap reserved (V8 keeps it for the next allocations)', mb(after.heapTotal)],
    ['outside the heap (buffers)', mb(after.external)],
    ['heap used before start', mb(baseline.heapUsed)],
    ['heap per node (its two agent pods included)', `${((after.heapUsed - baseline.heapUsed) / nodeCount).toFixed(0)} bytes`],
  ];
  console.log(JSON.stringify(Object.fromEntries(rows)));
  for (const [k, v] of rows) console.log(`${k.padEnd(44)} ${v}`);
  if (!gc) console.log('(run with node --expose-gc for settled figures)');
  state.stop();
  child.removeAllListeners('exit');
  child.stdin!.end();
}

if (process.argv[2] === 'stand-in') await standIn();
else await main();
