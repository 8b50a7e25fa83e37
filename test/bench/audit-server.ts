// The webhook with its auditor, alone in its process, for `npm run bench` (part "audit"): 5,000 nodes with their
// agent pods, 1,000 gateways and 1,000 policies, all gateways on the same egress nodes (the chart's default
// nodeSelector), so that a change of one egress node makes every gateway and policy due for a re-check: the
// worst case of a node change. Prints "READY <port>"; on stdin, "churn <ms>" relabels an egress node every <ms>
// (through the same feed the live state uses), "quiet" stops that, "stats" prints "STATS <json>" of the passes.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { feedHandlers } from '../../src/cluster/audit-feed.js';
import { MemoryClusterState } from '../../src/cluster/memory-state.js';
import { ObjectStore } from '../../src/cluster/object-store.js';
import { agentPod, gatewayInfo, nodeInfo, policyInfo } from '../../src/cluster/objects.js';
import { defaultRulesConfig } from '../../src/resources/config.js';
import { buildApp } from '../../src/server/app.js';
import { AuditMetrics } from '../../src/server/audit-metrics.js';
import { Auditor, type PassStats } from '../../src/server/auditor.js';
import { serviceLogger } from '../../src/server/logger.js';
import { WebhookMetrics } from '../../src/server/metrics.js';

const nodes = Number(process.env['BENCH_AUDIT_NODES'] ?? 5000);
const gateways = Number(process.env['BENCH_AUDIT_GATEWAYS'] ?? 1000);
const egressNodes = 50;
const egressLabel = 'node-role.deckhouse.io/egress';

const tls = { key: readFileSync(process.env['BENCH_KEY']!, 'utf8'), cert: readFileSync(process.env['BENCH_CERT']!, 'utf8') };
const state = new MemoryClusterState();
const objects = new ObjectStore();
const feed = {
  nodes: feedHandlers('nodes', { reduce: nodeInfo, upsert: (n) => state.upsertNode(n), remove: (k) => state.deleteNode(k) }, state, objects),
  pods: feedHandlers('cilium-agents', { reduce: (o) => agentPod(o, deckhouseAgents), upsert: (p) => state.upsertAgentPod(p), remove: (k) => state.deletePod(k) }, state, objects),
  gateways: feedHandlers('egressgateways', { reduce: gatewayInfo, upsert: (g) => state.upsertGateway(g), remove: (k) => state.deleteGateway(k) }, state, objects),
  policies: feedHandlers('egressgatewaypolicies', { reduce: policyInfo, upsert: (p) => state.upsertPolicy(p), remove: (k) => state.deletePolicy(k) }, state, objects),
};
const apply = <S>(h: { reduce(o: unknown): S | undefined; upsert(s: S): void }, obj: unknown) => {
  const s = h.reduce(obj);
  if (s !== undefined) h.upsert(s);
};
const node = (i: number, egress: boolean) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, ...(egress ? { [egressLabel]: '' } : {}) } },
  status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }] },
});
for (let i = 0; i < nodes; i++) {
  apply(feed.nodes, node(i, i < egressNodes));
  for (const [agent, labels] of [['cilium', { app: 'agent', module: 'cni-cilium' }], ['egw', { app: 'egress-gateway-agent' }]] as const) {
    apply(feed.pods, {
      metadata: { name: `${agent}-${i}`, namespace: 'd8-cni-cilium', labels },
      spec: { nodeName: `node-${i}` },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
}
for (let g = 0; g < gateways; g++) {
  apply(feed.gateways, {
    apiVersion: 'network.deckhouse.io/v1alpha1',
    kind: 'EgressGateway',
    metadata: { name: `gw-${g}`, uid: `uid-gw-${g}`, resourceVersion: '1' },
    spec: { nodeSelector: { [egressLabel]: '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: `198.${18 + (g >> 8)}.${g & 255}.1` } } },
  });
  apply(feed.policies, {
    apiVersion: 'network.deckhouse.io/v1alpha1',
    kind: 'EgressGatewayPolicy',
    metadata: { name: `policy-${g}`, uid: `uid-policy-${g}`, resourceVersion: '1' },
    spec: { egressGatewayName: `gw-${g}`, destinationCIDRs: ['0.0.0.0/0'], selectors: [{ podSelector: { matchLabels: { app: `app-${g}` } } }] },
  });
}
objects.markSynced('EgressGateway');
objects.markSynced('EgressGatewayPolicy');

const logger = serviceLogger('info', '/dev/null');
const metrics = new WebhookMetrics();
const passes: PassStats[] = [];
const auditor = new Auditor({
  state,
  objects,
  config: defaultRulesConfig,
  logger,
  sinks: [new AuditMetrics(metrics.registry), { passDone: (p) => passes.push(p) }],
  debounceMs: 200,
  fullPassIntervalMs: 0,
});
auditor.start();
await auditor.idle();
passes.length = 0; // the first full pass is start-up, not what is measured

const app = await buildApp({ tls, logger, state, config: defaultRulesConfig, metrics });
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${(app.server.address() as { port: number }).port}\n`);

let churn: NodeJS.Timeout | undefined;
let flips = 0;
// How long the event loop was held, per phase: what an admission request waits for besides its own work.
const delay = { quiet: monitorEventLoopDelay({ resolution: 1 }), churn: monitorEventLoopDelay({ resolution: 1 }) };
let phase: keyof typeof delay | undefined;
const enter = (p: keyof typeof delay | undefined) => {
  if (phase) delay[phase].disable();
  phase = p;
  if (phase) delay[phase].enable();
};
// The histograms pool the two rounds of each phase; the first sample after enable() spans the disabled time,
// so the maximum is not reported, only high percentiles.
createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'churn') {
    clearInterval(churn);
    enter('churn');
    // The last egress node loses its label and gets it back, in turns: every gateway's eligible count changes.
    churn = setInterval(() => apply(feed.nodes, node(egressNodes - 1, flips++ % 2 === 1)), Number(arg));
  } else if (cmd === 'quiet') {
    clearInterval(churn);
    enter('quiet');
  } else if (cmd === 'stats') {
    enter(undefined);
    const ms = (h: ReturnType<typeof monitorEventLoopDelay>, p: number) => h.percentile(p) / 1e6;
    const changes = passes.filter((p) => p.scope === 'changes');
    const secs = changes.map((p) => p.seconds).sort((a, b) => a - b);
    const out = {
      nodeChanges: flips,
      passes: changes.length,
      objectsPerPass: changes.length ? Math.round(changes.reduce((a, p) => a + p.objects, 0) / changes.length) : 0,
      passMsP50: (secs[Math.floor(secs.length / 2)] ?? 0) * 1000,
      passMsMax: (secs[secs.length - 1] ?? 0) * 1000,
      loopDelayQuietP99: ms(delay.quiet, 99),
      loopDelayQuietP999: ms(delay.quiet, 99.9),
      loopDelayChurnP99: ms(delay.churn, 99),
      loopDelayChurnP999: ms(delay.churn, 99.9),
    };
    process.stdout.write(`STATS ${JSON.stringify(out)}\n`);
  }
});
