// npm run bench:worst: the hostile inputs of issue 17 (and a few more) against a real `serve --cluster-state`
// process over HTTPS, with a /healthz prober every 50 ms on its own thread. Per case: answer time (median of
// the runs, with min and max), answer size, the server's peak RSS (VmHWM) and the longest /healthz wait.
// Loopback only, stops by itself; prints the table and writes it into docs/benchmarks.md between markers.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent, request } from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { fromRoot } from '../helpers/paths.js';
import { imageNodeFlags, peakRssMB, stopServer } from './process-stats.js';

const runs = Number(process.env['BENCH_RUNS'] ?? 5);
// BENCH_CASES=word,word runs only the cases whose name contains one of them (and skips the connection rows);
// The servers run with the image's node flags; BENCH_SERVER_FLAGS adds more, as for npm run bench.
const only = (process.env['BENCH_CASES'] ?? '').split(',').filter(Boolean);
const extraFlags = (process.env['BENCH_SERVER_FLAGS'] ?? '').split(' ').filter(Boolean);
const serverFlags = [...imageNodeFlags, ...extraFlags];
const dir = mkdtempSync(join(tmpdir(), 'egw-worst-'));
const limits = { ms: 250, bytes: 64 * 1024, rssMB: 256, healthzMs: 250 };

// ---- Inputs ----------------------------------------------------------------------------------------------
let uid = 0;
const review = (object: unknown, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `worst-${++uid}`,
      kind: { group: (object as { apiVersion: string }).apiVersion.split('/')[0], version: (object as { apiVersion: string }).apiVersion.split('/')[1], kind: (object as { kind: string }).kind },
      name: (object as { metadata: { name: string } }).metadata.name,
      operation: 'CREATE',
      userInfo: { username: 'admin' },
      object,
      ...over,
    },
  });
const policy = (spec: Record<string, unknown>) => ({
  apiVersion: 'network.deckhouse.io/v1alpha1',
  kind: 'EgressGatewayPolicy',
  metadata: { name: 'worst' },
  spec: { egressGatewayName: 'egress-gw', destinationCIDRs: ['203.0.113.0/24'], selectors: [{ podSelector: { matchLabels: { app: 'a' } } }], ...spec },
});
const cegp = (spec: Record<string, unknown>) => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumEgressGatewayPolicy',
  metadata: { name: 'worst' },
  spec: { destinationCIDRs: ['203.0.113.0/24'], selectors: [{ podSelector: { matchLabels: { app: 'a' } } }], ...spec },
});
const gateway = (sourceIP: Record<string, unknown>) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'worst' }, spec: { nodeSelector: { 'egress-group': 'g1' }, sourceIP } });
const many = <T>(n: number, f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
/** A Node UPDATE that cordons a node carrying these labels, as POST /warn-node gets it. */
const nodeUpdate = (labels: Record<string, string>) => {
  const node = (unschedulable: boolean) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels }, spec: { unschedulable }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: `worst-${++uid}`, kind: { group: '', version: 'v1', kind: 'Node' }, name: 'node-1', operation: 'UPDATE', userInfo: { username: 'admin' }, object: node(true), oldObject: node(false) },
  });
};
const v4 = (i: number) => `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}`;
const ipv4s = (n: number, prefix = 32, base = 0) => Array.from({ length: n }, (_, i) => `${v4(i + base)}.0/${Math.min(prefix, 24)}`);
/** Host routes inside the first /24s of ipv4s(): each one nested. */
const hosts = (n: number) => Array.from({ length: n }, (_, i) => `${v4(Math.floor(i / 256))}.${i % 256}/32`);
const v6 = (n: number) => Array.from({ length: n }, (_, i) => `2001:db8::${i.toString(16)}/128`);
const nested = (depth: number, inner: string) => '['.repeat(depth) + inner + ']'.repeat(depth);

interface Case {
  name: string;
  path?: string;
  body: string;
  /** The HTTP status this case must get. */
  status: number;
  /** Generated nodes in the server's cluster state, when not the 1,000 of the other cases. */
  nodes?: number;
}

function cases(): Case[] {
  const destinations20k = Array.from({ length: 20_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${(i >> 16) * 4 + 1}/32`);
  const gateways = Array.from({ length: 64 }, (_, g) => ({ nodeSelector: { matchLabels: { 'egress-group': `g${g % 20}` } }, egressIP: `172.18.18.${g + 1}` }));
  const notInGateways = Array.from({ length: 10_000 }, (_, g) => ({
    nodeSelector: { matchExpressions: [{ key: `zone-${g}`, operator: 'DoesNotExist' }] },
    interface: 'eth1',
  }));
  // Each selector matches nearly every node: the label index cannot narrow NotIn or DoesNotExist.
  const broadGateways = Array.from({ length: 64 }, (_, g) => ({
    nodeSelector: { matchExpressions: [{ key: 'egress-group', operator: 'NotIn', values: [`g${g}`] }, { key: `zone-${g}`, operator: 'DoesNotExist' }] },
    interface: 'eth1',
  }));
  const keyOf100KB = 'k'.repeat(100_000);
  return [
    { name: 'policy with 20,000 distinct /32 destinations', body: review(policy({ destinationCIDRs: destinations20k })), status: 200 },
    { name: '10,000 destinations + 10,000 excluded', body: review(policy({ destinationCIDRs: ipv4s(10_000, 24), excludedCIDRs: ipv4s(10_000, 24, 5_000) })), status: 200 },
    { name: '12,000 IPv6 /128 destinations', body: review(policy({ destinationCIDRs: v6(12_000) })), status: 200 },
    { name: '20,000 nested and duplicate CIDRs', body: review(policy({ destinationCIDRs: [...ipv4s(5_000, 24), ...hosts(10_000), ...ipv4s(5_000, 24)] })), status: 200 },
    { name: '200,000 invalid CIDRs', body: review(policy({ destinationCIDRs: Array.from({ length: 200_000 }, (_, i) => `x${i}`) })), status: 200 },
    {
      name: '100,000 bad label keys',
      body: review(policy({ selectors: [{ podSelector: { matchLabels: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`-bad${i}`, 'v'])) } }] })),
      status: 200,
    },
    {
      name: "300,000 values in one `In` expression",
      body: review(policy({ selectors: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: Array.from({ length: 300_000 }, (_, i) => `-${i}`) }] } }] })),
      status: 200,
    },
    { name: 'one label key of 100 KB', body: review(policy({ selectors: [{ podSelector: { matchLabels: { [keyOf100KB]: 'v' } } }] })), status: 200 },
    {
      name: 'CiliumEgressGatewayPolicy, 64 gateways x 20,000 destinations',
      body: review(cegp({ destinationCIDRs: [...v6(10_000), ...ipv4s(10_000, 24)], egressGateway: gateways[0], egressGateways: gateways })),
      status: 200,
    },
    { name: 'CiliumEgressGatewayPolicy, 10,000 gateways with DoesNotExist selectors', body: review(cegp({ egressGateway: notInGateways[0], egressGateways: notInGateways })), status: 200 },
    {
      name: 'CiliumEgressGatewayPolicy, 64 gateways with NotIn selectors, 10,000 nodes',
      body: review(cegp({ egressGateway: broadGateways[0], egressGateways: broadGateways })),
      status: 200,
      nodes: 10_000,
    },
    // Found by attacking the server after the cases above were within the limits.
    { name: 'policy destinationCIDRs of 1,400,000 numbers', body: review(policy({ destinationCIDRs: many(1_400_000, () => 1) })), status: 200 },
    { name: 'policy selectors of 1,400,000 numbers', body: review(policy({ selectors: many(1_400_000, () => 1) })), status: 200 },
    { name: 'policy selectors of 1,400,000 numbers, /mutate', path: '/mutate', body: review(policy({ selectors: many(1_400_000, () => 1) })), status: 200 },
    { name: 'gateway interfaces of 1,400,000 numbers', body: review(gateway({ mode: 'VirtualIPAddress', virtualIPAddress: { ip: '10.0.0.1', interfaces: many(1_400_000, () => 1) } })), status: 200 },
    { name: 'gateway IP a YAML flow map of 16,000 keys', body: review(gateway({ mode: 'VirtualIPAddress', virtualIPAddress: { ip: `{${many(16_000, (i) => `k${i}: b`).join(', ')}}` } })), status: 200 },
    { name: 'gateway interfaceName of 1,000,000 `[`', body: review(gateway({ mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: '['.repeat(1_000_000) } })), status: 200 },
    { name: 'policy spec with 250,000 unknown fields', body: review(policy(Object.fromEntries(many(250_000, (i) => [`x${i}`, 0])))), status: 200 },
    { name: '110,000 expressions with an unknown operator', body: review(policy({ selectors: [{ podSelector: { matchExpressions: many(110_000, () => ({ key: '-', operator: 'X' })) } }] })), status: 200 },
    { name: 'CiliumEgressGatewayPolicy, 85,000 gateways with two errors each', body: review(cegp({ egressGateways: many(85_000, () => ({ interface: 'a/b', egressIP: 'x' })) })), status: 200 },
    { name: 'CiliumEgressGatewayPolicy, one selector of 60,000 DoesNotExist', body: review(cegp({ egressGateway: { nodeSelector: { matchExpressions: many(60_000, (i) => ({ key: `k${i}`, operator: 'DoesNotExist' })) }, interface: 'eth1' } })), status: 200 },
    { name: 'Node update with 90,000 labels, /warn-node', path: '/warn-node', body: nodeUpdate(Object.fromEntries(many(90_000, (i) => [`l${i}`, 'v']))), status: 200 },
    { name: '`request.operation` nested 10,000 arrays deep', body: review(policy({}), { operation: '@OP@' }).replace('"@OP@"', nested(10_000, '"CREATE"')), status: 400 },
    { name: 'object nested 1,000,000 arrays deep (2 MB)', body: review(policy({ extra: '@X@' })).replace('"@X@"', nested(1_000_000, '1')), status: 400 },
    { name: 'a number of 1,000,000 digits', body: review(policy({ extra: '@X@' })).replace('"@X@"', '9'.repeat(1_000_000)), status: 200 },
    { name: 'uid of 2 MB', body: review(policy({}), { uid: 'u'.repeat(2_000_000) }), status: 400 },
    { name: 'name of 1 MB (in metadata.name and request.name)', body: review({ ...policy({}), metadata: { name: 'n'.repeat(1_000_000) } }), status: 200 },
    { name: 'a small valid policy (for comparison)', body: review(policy({})), status: 200 },
  ];
}

// ---- The server, its memory and its /healthz -------------------------------------------------------------
function clusterState(nodes: number): string {
  const items: unknown[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = `node-${i}`;
    items.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'egress-group': `g${i % 20}` } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `10.200.${(i >> 8) & 255}.${i & 255}` }] },
    });
    for (const labels of [{ app: 'agent', module: 'cni-cilium' }, { app: 'egress-gateway-agent' }]) {
      items.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${labels.app}-${i}`, namespace: 'd8-cni-cilium', labels }, spec: { nodeName: name }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    }
  }
  const file = join(dir, `state-${nodes}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return file;
}

interface Server {
  child: ChildProcess;
  port: number;
  metricsPort: number;
}

async function startServer(stateFiles: string[]): Promise<Server> {
  const args = ['serve', '--port', '0', '--metrics-port', '0', '--cert-dir', join(dir, 'certs')];
  for (const f of stateFiles) args.push('--cluster-state', f);
  // Logs at info, as in production: one line per admission is part of the cost.
  const child = spawn(process.execPath, [...serverFlags, fromRoot('dist/src/cli/main.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    let port = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (port && !line.includes('metrics listening')) return;
      const entry = JSON.parse(line) as { msg: string; address?: string };
      const m = /^Server listening at https:\/\/127\.0\.0\.1:(\d+)$/.exec(entry.msg);
      if (m) port = Number(m[1]);
      if (entry.msg === 'metrics listening') resolve({ child, port, metricsPort: Number(/:(\d+)\/metrics$/.exec(entry.address!)![1]) });
    });
  });
}

/** The prober: its own thread (so the load generator's work does not delay it), a new connection each 50 ms. */
const proberCode = `
const { parentPort, workerData } = require('node:worker_threads');
const https = require('node:https');
let longest = 0, probes = 0, failures = 0;
const open = new Set();
setInterval(() => {
  const started = Date.now();
  open.add(started);
  const req = https.get({ host: '127.0.0.1', port: workerData.port, path: '/healthz', rejectUnauthorized: false, agent: false }, (res) => {
    res.resume();
    res.on('end', () => { open.delete(started); probes++; if (res.statusCode !== 200) failures++; longest = Math.max(longest, Date.now() - started); });
  });
  req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  req.on('error', () => { open.delete(started); probes++; failures++; longest = Math.max(longest, Date.now() - started); });
}, 50);
parentPort.on('message', (m) => {
  const now = Date.now();
  for (const s of open) longest = Math.max(longest, now - s);
  parentPort.postMessage({ longest, probes, failures });
  if (m === 'reset') { longest = 0; probes = 0; failures = 0; }
});
`;

class Prober {
  private readonly worker: Worker;
  constructor(port: number) {
    this.worker = new Worker(proberCode, { eval: true, workerData: { port } });
  }
  read(reset: boolean): Promise<{ longest: number; probes: number; failures: number }> {
    return new Promise((resolve) => {
      this.worker.once('message', resolve);
      this.worker.postMessage(reset ? 'reset' : 'read');
    });
  }
  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

const agent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 10 });

function post(port: number, path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; bytes: number; ms: number; text: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: buf.length, ms: Number(process.hrtime.bigint() - started) / 1e6, text: buf.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function metricsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end('GET /metrics HTTP/1.0\r\n\r\n'));
    let data = '';
    s.on('data', (d) => (data += d.toString('utf8')));
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
}
const seriesCount = (text: string) => text.split('\n').filter((l) => /^egress_gateway_webhook_(admission|warnings|denials|bad_requests)/.test(l)).length;

// ---- Running ---------------------------------------------------------------------------------------------
interface Row {
  name: string;
  status: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  bytes: number;
  rssMB: number;
  healthzMs: number;
  ok: boolean;
}

/**
 * A row without a review answer (many requests, or connections only): held to the same RSS and /healthz limits
 * as every other row, plus what the case itself must show (`holds`).
 */
function rowWithoutAnswer(name: string, status: string, rssMB: number, probe: { longest: number; failures: number }, holds: boolean): Row {
  const ok = holds && rssMB < limits.rssMB && probe.longest < limits.healthzMs && probe.failures === 0;
  return { name, status, medianMs: Number.NaN, minMs: Number.NaN, maxMs: Number.NaN, bytes: Number.NaN, rssMB, healthzMs: probe.longest, ok };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const kib = (b: number) => (b < 1024 ? `${b} B` : `${(b / 1024).toFixed(1)} KiB`);

const loadBefore = (await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ');
const states = new Map<number, string>();
/** The example cluster plus `nodes` generated nodes, written once per size. */
function stateFilesWith(nodes: number): string[] {
  let file = states.get(nodes);
  if (!file) states.set(nodes, (file = clusterState(nodes)));
  return [fromRoot('examples/cluster-state.yaml'), file];
}
const stateFiles = stateFilesWith(1_000);
const rows: Row[] = [];
const notes: string[] = [];
/** Peak RSS of a server that has loaded the cluster state and answered one small review. */
let baselineRss = 0;

/**
 * Ordinary reviews of every kind, with the findings the rules report (nested, duplicate and excluded CIDRs,
 * both families, bad labels, several gateways): a webhook in service has answered such reviews before the
 * hostile one arrives, so V8 has compiled the rules' code. Without this the first run of each case measures
 * the compiler.
 */
const warmUp = [
  review(policy({ destinationCIDRs: ['10.0.0.0/8', '10.1.0.0/16', '10.1.0.0/16', '2001:db8::/32', '2001:db8::1/128'], excludedCIDRs: ['10.2.0.0/16', '192.168.0.0/16', 'x'] })),
  review(policy({ selectors: [{ podSelector: { matchLabels: { '-bad': 'v', ok: '-' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['a', '-b'] }] } }] })),
  review(cegp({ destinationCIDRs: ['10.0.0.0/8', '2001:db8::/32'], egressGateway: { nodeSelector: { matchLabels: { 'egress-group': 'g1' } }, egressIP: '172.18.18.11' }, egressGateways: [{ nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, interface: 'eth1' }] })),
  review({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'g' }, spec: { nodeSelector: { 'egress-group': 'g1' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.7' } } } }),
];

for (const c of cases().filter((c) => only.length === 0 || only.some((w) => c.name.includes(w)))) {
  // A fresh server per case: VmHWM is the peak of the process's life, so each case gets its own.
  const server = await startServer(stateFilesWith(c.nodes ?? 1_000));
  const prober = new Prober(server.port);
  for (let i = 0; i < 200; i++) await post(server.port, i % 2 ? '/validate' : '/mutate', warmUp[i % warmUp.length]!);
  await new Promise((r) => setTimeout(r, 300));
  if (!c.nodes) baselineRss = Math.max(baselineRss, peakRssMB(server.child.pid!));
  await prober.read(true);
  const times: number[] = [];
  let last = { status: 0, bytes: 0, ms: 0, text: '' };
  for (let i = 0; i < runs; i++) {
    last = await post(server.port, c.path ?? '/validate', c.body);
    times.push(last.ms);
  }
  await new Promise((r) => setTimeout(r, 100));
  const probe = await prober.read(false);
  const rssMB = peakRssMB(server.child.pid!);
  await prober.stop();
  await stopServer(server);
  const row: Row = {
    name: c.name,
    status: String(last.status),
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    bytes: last.bytes,
    rssMB,
    healthzMs: probe.longest,
    ok: false,
  };
  row.ok = last.status === c.status && times.every((t) => t < limits.ms) && last.bytes < limits.bytes && rssMB < limits.rssMB && probe.longest < limits.healthzMs;
  rows.push(row);
  process.stderr.write(`${row.ok ? 'ok  ' : 'FAIL'} ${c.name}: HTTP ${row.status} ${fmt(row.medianMs)} ms, ${kib(row.bytes)}, ${fmt(rssMB)} MB, /healthz ${probe.longest} ms\n`);
  if (last.status !== c.status) notes.push(`${c.name}: expected HTTP ${c.status}, got ${last.status}: ${last.text.slice(0, 200)}`);
}

// Made-up kinds and URLs: the metric series must stay as they are.
if (only.length === 0) {
  const server = await startServer(stateFiles);
  const prober = new Prober(server.port);
  await post(server.port, '/validate', review(policy({})));
  // One of each made-up shape first: the `other` series exist from then on, and must be the only ones.
  await post(server.port, '/validate?q=first', review({ apiVersion: 'made.up/v0', kind: 'Kind0', metadata: { name: 'n' } }));
  await post(server.port, '/mutate?junk=first', 'x', { 'content-type': 'text/x-first' });
  const before = seriesCount(await metricsText(server.metricsPort));
  await prober.read(true);
  const started = Date.now();
  const jobs: Promise<unknown>[] = [];
  for (let i = 1; i <= 5_000; i++) {
    const object = { apiVersion: `made.up/v${i}`, kind: `Kind${i}`, metadata: { name: `n${i}` } };
    jobs.push(post(server.port, `/validate?q=${i}`, review(object, { operation: 'CREATE' })));
    if (i % 4 === 0) jobs.push(post(server.port, `/mutate?junk=${i}`, 'x', { 'content-type': `text/x-${i}` }));
    // Ten at a time, as the API server's connections would carry them.
    if (jobs.length >= 10) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  const after = seriesCount(await metricsText(server.metricsPort));
  const probe = await prober.read(false);
  const rssMB = peakRssMB(server.child.pid!);
  await prober.stop();
  await stopServer(server);
  const seconds = (Date.now() - started) / 1000;
  rows.push(
    rowWithoutAnswer(
      `5,000 reviews with made-up kinds and query strings, 1,250 made-up content types (${fmt(seconds)} s): metric series ${before} → ${after}`,
      '200/415',
      rssMB,
      probe,
      before === after,
    ),
  );
  process.stderr.write(`series before ${before}, after ${after}\n`);
}

// Idle connections that never send a TLS hello: /healthz still answers, and the server closes them.
if (only.length === 0) {
  const server = await startServer(stateFiles);
  const prober = new Prober(server.port);
  await prober.read(true);
  const sockets: Socket[] = [];
  let closed = 0;
  const n = 5_000;
  const opened = Date.now();
  // In batches below the listen backlog, as a steady client would open them.
  for (let i = 0; i < n; i += 250) {
    const batch = Array.from({ length: Math.min(250, n - i) }, () => {
      const s = connect(server.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closed++);
      // A paused socket never sees the server's close (no 'end' while unread data may wait): read everything.
      s.resume();
      return s;
    });
    await Promise.all(batch.map((s) => new Promise((r) => (s.once('connect', r), s.once('close', r)))));
    sockets.push(...batch);
  }
  const openMs = Date.now() - opened;
  await new Promise((r) => setTimeout(r, 1_000));
  const closedAtOnce = closed;
  // The handshake timeout counts from each connection's accept: wait 15 s after the last one.
  await new Promise((r) => setTimeout(r, 15_000));
  const closedAfter15s = closed;
  const probe = await prober.read(false);
  const rssMB = peakRssMB(server.child.pid!);
  for (const s of sockets) s.destroy();
  await prober.stop();
  await stopServer(server);
  rows.push(
    rowWithoutAnswer(
      `${n.toLocaleString('en')} TCP connections that never send a TLS hello (opened in ${fmt(openMs / 1000)} s): ${closedAtOnce} closed at once, ${closedAfter15s} within 15 s of the last`,
      '-',
      rssMB,
      probe,
      closedAfter15s === n,
    ),
  );
  if (probe.failures > 0) notes.push(`idle connections: ${probe.failures} of ${probe.probes} /healthz probes failed`);
  process.stderr.write(`idle sockets: ${closedAtOnce} closed at once, ${closedAfter15s} after 15 s; /healthz ${probe.longest} ms, ${probe.failures} failed\n`);
}

// Idle connections that finish the TLS handshake and then send nothing: memory per connection, and the
// headers timeout closes them.
if (only.length === 0) {
  const server = await startServer(stateFiles);
  const prober = new Prober(server.port);
  await prober.read(true);
  const { connect: tlsConnect } = await import('node:tls');
  const n = 2_000;
  let closed = 0;
  const before = peakRssMB(server.child.pid!);
  const sockets = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => {
      const s = tlsConnect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false });
      s.on('error', () => undefined);
      s.on('close', () => closed++);
      // Without this a few sockets of every thousand never saw the server close them (the server had: its
      // connection count was 0), and the row counted them as held.
      s.resume();
      return s;
    });
    await Promise.all(batch.map((s) => new Promise((r) => (s.once('secureConnect', r), s.once('close', r)))));
    sockets.push(...batch);
  }
  const closedAtOnce = closed;
  const rssMB = peakRssMB(server.child.pid!);
  await new Promise((r) => setTimeout(r, 15_000));
  const closedAfter = closed;
  const probe = await prober.read(false);
  for (const s of sockets) s.destroy();
  await prober.stop();
  await stopServer(server);
  rows.push(
    rowWithoutAnswer(
      `${n.toLocaleString('en')} TLS connections that finish the handshake and send nothing: ${closedAtOnce} closed while opening them, ${closedAfter} 15 s after the last; peak RSS ${fmt(before)} MB before`,
      '-',
      rssMB,
      probe,
      closedAfter === n,
    ),
  );
  process.stderr.write(`idle TLS: ${closedAtOnce} at once, ${closedAfter} after 15 s; RSS ${fmt(before)} → ${fmt(rssMB)} MB; /healthz ${probe.longest} ms\n`);
}

agent.destroy();
const dash = (n: number, f: (n: number) => string) => (Number.isNaN(n) ? '-' : f(n));
const table = [
  `| input | HTTP | answer time, median (min-max) of ${runs} | answer size | peak RSS | longest /healthz wait | within limits |`,
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.status} | ${Number.isNaN(r.medianMs) ? '-' : `${fmt(r.medianMs)} ms (${fmt(r.minMs)}-${fmt(r.maxMs)})`} | ${dash(r.bytes, kib)} | ${fmt(r.rssMB)} MB | ${r.healthzMs} ms | ${r.ok ? 'yes' : 'NO'} |`,
  ),
].join('\n');
const machine = `Cluster state: the example cluster plus 1,000 generated nodes (10,000 in the row that says so) with two agent pods each; a server that loaded it and answered one small review peaks at ${fmt(baselineRss)} MB. Node ${process.version} with the image's flags (${serverFlags.join(' ')}), ${process.platform}, load average before the run ${loadBefore}; limits: answer under ${limits.ms} ms and ${limits.bytes / 1024} KiB, peak RSS under ${limits.rssMB} MB, /healthz under ${limits.healthzMs} ms.`;
process.stdout.write(`\n${table}\n\n${machine}\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);

if (only.length > 0 || extraFlags.length > 0) {
  process.stdout.write('a partial or flagged run: docs/benchmarks.md left as it is\n');
  process.exit(rows.every((r) => r.ok) ? 0 : 1);
}
const docs = fromRoot('docs/benchmarks.md');
const start = '<!-- bench:worst:start -->';
const end = '<!-- bench:worst:end -->';
const text = readFileSync(docs, 'utf8');
const section = `${start}\n${table}\n\n${machine}\n${end}`;
const i = text.indexOf(start);
const j = text.indexOf(end);
writeFileSync(docs, i >= 0 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.trimEnd()}\n\n## Worst cases (npm run bench:worst)\n\n${section}\n`);
process.stdout.write(`table written to docs/benchmarks.md\n`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
