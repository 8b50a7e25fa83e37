// npm run bench: throughput and latency of the webhook against a bare Fastify route and raw node:https,
// latency at a fixed rate, and latency and memory as the cluster grows. Loopback only, bounded (about 2
// minutes), prints a table and writes dist/bench-results.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generateServingCertificate } from '../../src/tls/certificates.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'egw-bench-'));
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);

const tls = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
writeFileSync(join(dir, 'tls.crt'), tls.cert);
writeFileSync(join(dir, 'tls.key'), tls.key);

// ---- Request mix ---------------------------------------------------------------------------------------
let uid = 0;
const review = (object: unknown) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${++uid}`,
      kind: { group: 'network.deckhouse.io', version: 'v1alpha1', kind: (object as { kind: string }).kind },
      resource: { group: 'network.deckhouse.io', version: 'v1alpha1', resource: 'x' },
      name: (object as { metadata: { name: string } }).metadata.name,
      operation: 'CREATE',
      userInfo: { username: 'admin', groups: ['system:masters'] },
      object,
      oldObject: null,
      dryRun: false,
    },
  });
const gw = (name: string, spec: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name }, spec });
const pol = (name: string, spec: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', metadata: { name }, spec });
const validGateway = gw('bench-gw', { nodeSelector: { 'egress-group': 'g1' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.200', interfaces: ['eth1'] } } });
const validPolicy = pol('bench-policy', {
  egressGatewayName: 'gw-1',
  destinationCIDRs: ['0.0.0.0/0', '2001:db8::/32', '203.0.113.0/24'],
  excludedCIDRs: ['10.0.0.0/8'],
  selectors: [
    { podSelector: { matchLabels: { app: 'backend', 'io.kubernetes.pod.namespace': 'shop' } } },
    { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] } },
  ],
});
const invalidPolicy = pol('bench-bad', { egressGatewayName: 'gw-l', destinationCIDRs: ['10.0.0.1/8', '192.168.1.1'], selectors: [] });
const mutateGateway = gw('bench-mutate', { sourceIP: { virtualIPAddress: { ip: '198.51.100.201' } } });
const headers = { 'content-type': 'application/json' };
const mix = [
  { method: 'POST' as const, path: '/validate', headers, body: review(validGateway) },
  { method: 'POST' as const, path: '/validate', headers, body: review(validPolicy) },
  { method: 'POST' as const, path: '/validate', headers, body: review(invalidPolicy) },
  { method: 'POST' as const, path: '/mutate', headers, body: review(mutateGateway) },
];

// ---- Cluster states ------------------------------------------------------------------------------------
/** N nodes with two agent pods each, 20 gateways on egress groups of 3 nodes, 200 policies. */
function clusterState(nodes: number): string {
  const items: unknown[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = `node-${i}`;
    const group = i < 60 ? { 'egress-group': `g${Math.floor(i / 3)}` } : {};
    items.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'node.deckhouse.io/group': `pool-${i % 10}`, ...group } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }] },
    });
    for (const [agent, labels] of [['cilium', { app: 'agent', module: 'cni-cilium' }], ['egw', { app: 'egress-gateway-agent' }]] as const) {
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${agent}-${i}`, namespace: 'd8-cni-cilium', labels },
        spec: { nodeName: name },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
  }
  for (let g = 0; g < 20; g++) {
    items.push(gw(`gw-${g}`, { nodeSelector: { 'egress-group': `g${g}` }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: `198.51.100.${g + 1}` } } }));
  }
  for (let p = 0; p < 200; p++) {
    items.push(pol(`policy-${p}`, { egressGatewayName: `gw-${p % 20}`, destinationCIDRs: ['0.0.0.0/0'], selectors: [{ podSelector: { matchLabels: { app: `app-${p}` } } }] }));
  }
  const file = join(dir, `state-${nodes}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return file;
}

// ---- Running servers and load --------------------------------------------------------------------------
interface Server {
  port: number;
  child: ChildProcess;
}

function startServer(mode: string, stateFiles: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, [join(here, 'bench-server.js'), mode, ...stateFiles], {
    env: { ...process.env, BENCH_KEY: join(dir, 'tls.key'), BENCH_CERT: join(dir, 'tls.crt') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${mode} server exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (\d+)$/.exec(line);
      if (m) resolve({ port: Number(m[1]), child });
    });
  });
}

async function stopServer(s: Server): Promise<void> {
  s.child.removeAllListeners('exit');
  const exited = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGKILL');
  await exited;
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  non2xx: number;
}

async function load(port: number, requests: typeof mix, opts: { duration?: number; overallRate?: number; connections?: number } = {}): Promise<Load> {
  const r = await autocannon({
    url: `https://127.0.0.1:${port}`,
    connections: opts.connections ?? 10,
    duration: opts.duration ?? seconds,
    requests,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    tlsOptions: { ca: tls.ca, servername: 'localhost' },
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p99_9, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

// ---- The run -------------------------------------------------------------------------------------------
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
  secondsPerMeasurement: seconds,
};
const baseState = clusterState(10);

// 1. Throughput, alternating the three servers over two rounds; the better round of each counts.
const throughput: Record<string, Load[]> = { webhook: [], fastify: [], raw: [] };
for (let round = 0; round < 2; round++) {
  for (const mode of ['webhook', 'fastify', 'raw'] as const) {
    const s = await startServer(mode, mode === 'webhook' ? [baseState] : []);
    await load(s.port, mix, { duration: 1 }); // warm-up
    throughput[mode]!.push(await load(s.port, mix));
    await stopServer(s);
  }
}
const best = (runs: Load[]) => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
const tp = { webhook: best(throughput['webhook']!), fastify: best(throughput['fastify']!), raw: best(throughput['raw']!) };
results['throughput'] = { ...tp, ratioWebhookToFastify: tp.webhook.rps / tp.fastify.rps, rounds: throughput };

// 2. Latency at a fixed rate of 1,000 req/s.
{
  const s = await startServer('webhook', [baseState]);
  await load(s.port, mix, { duration: 1 });
  results['fixedRate1000'] = await load(s.port, mix, { overallRate: 1000, duration: Math.max(seconds, 5) });
  await stopServer(s);
}

// 3. Scale: 10, 1,000 and 5,000 nodes.
const scale: Record<string, unknown>[] = [];
for (const nodes of [10, 1000, 5000]) {
  const s = await startServer('webhook', [clusterState(nodes)]);
  const gatewayOnly = [mix[0]!];
  const policyOnly = [mix[1]!];
  await load(s.port, mix, { duration: 1 });
  const g = await load(s.port, gatewayOnly, { overallRate: 500, duration: Math.max(3, seconds - 1) });
  const p = await load(s.port, policyOnly, { overallRate: 500, duration: Math.max(3, seconds - 1) });
  scale.push({ nodes, agentPods: nodes * 2, gatewayP99: g.p99, policyP99: p.p99, gatewayErrors: g.errors + g.non2xx, policyErrors: p.errors + p.non2xx, rssMB: rssMB(s.child.pid!) });
  await stopServer(s);
}
results['scale'] = scale;

// ---- Report --------------------------------------------------------------------------------------------
const ms = (n: number) => `${n.toFixed(2)} ms`;
const lines = [
  `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  '',
  '| server (HTTPS keep-alive, 10 connections, mixed reviews) | req/s | p50 | p99 | p99.9 | errors |',
  '| --- | --- | --- | --- | --- | --- |',
  ...(['webhook', 'fastify', 'raw'] as const).map((m) => {
    const r = tp[m];
    const label = { webhook: 'this webhook', fastify: 'bare Fastify route', raw: 'raw node:https' }[m];
    return `| ${label} | ${Math.round(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.p999)} | ${r.errors + r.non2xx} |`;
  }),
  '',
  `webhook / bare Fastify throughput: ${(tp.webhook.rps / tp.fastify.rps).toFixed(2)}`,
  (() => {
    const f = results['fixedRate1000'] as Load;
    return `webhook at 1,000 req/s: p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, p99.9 ${ms(f.p999)}, achieved ${Math.round(f.rps)} req/s, errors ${f.errors + f.non2xx}`;
  })(),
  '',
  '| nodes | agent pods | gateway review p99 | policy review p99 | RSS |',
  '| --- | --- | --- | --- | --- |',
  ...scale.map((r: any) => `| ${r.nodes} | ${r.agentPods} | ${ms(r.gatewayP99)} | ${ms(r.policyP99)} | ${r.rssMB.toFixed(0)} MB |`),
];
console.log(lines.join('\n'));
const out = join(here, '..', '..', 'bench-results.json');
writeFileSync(out, JSON.stringify(results, null, 2));
console.log(`\nJSON: ${out}`);
