// npm run bench: throughput and latency of the webhook against a bare Fastify route and raw node:https,
// latency at a fixed rate, latency and memory as the cluster grows, and the cold start of the commands.
// Loopback only, bounded (about 2 minutes), prints a table and writes dist/bench-results.json.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generateServingCertificate } from '../../src/tls/certificates.js';
import { type HandlerResult, handlerTable, measureHandler, type Spread, spreadOf } from './handler.js';
import { mix } from './mix.js';
import { type PacedOptions, type PacedResult, PacedSamples, pacedLoad } from './paced-load.js';
import { writeClusterState } from './state.js';
import { imageNodeFlags, peakRssMB, stopServer } from './process-stats.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'egw-bench-'));
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
// BENCH_PARTS=throughput,handler,fixed,scale,startup,audit,node (the default: all) runs only some parts, for quicker
// iterations; BENCH_PARTS=gap (npm run bench:gap) runs the steps from the bare route to the webhook.
const parts = new Set((process.env['BENCH_PARTS'] ?? 'throughput,handler,fixed,scale,startup,audit,node').split(','));

const tls = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
writeFileSync(join(dir, 'tls.crt'), tls.cert);
writeFileSync(join(dir, 'tls.key'), tls.key);

const clusterState = (nodes: number) => writeClusterState(dir, nodes);

// ---- Running servers and load --------------------------------------------------------------------------
interface Server {
  port: number;
  child: ChildProcess;
}

// The servers run with the image's node flags; BENCH_SERVER_FLAGS adds more (e.g. --trace-gc), and what they
// print goes to stderr.
const extraFlags = (process.env['BENCH_SERVER_FLAGS'] ?? '').split(' ').filter(Boolean);
const serverFlags = [...imageNodeFlags, ...extraFlags];

function startServer(mode: string, stateFiles: string[] = [], script = 'bench-server.js'): Promise<Server> {
  const child = spawn(process.execPath, [...serverFlags, join(here, script), mode, ...stateFiles], {
    env: { ...process.env, BENCH_KEY: join(dir, 'tls.key'), BENCH_CERT: join(dir, 'tls.crt') },
    stdio: [script === 'bench-server.js' ? 'ignore' : 'pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${mode} server exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (\d+)$/.exec(line);
      if (m) resolve({ port: Number(m[1]), child });
      else if (line.startsWith('STATS ')) child.emit('stats', JSON.parse(line.slice(6)));
      else process.stderr.write(`[${mode} ${child.pid}] ${line}\n`);
    });
  });
}

/** Resident memory of a process now (VmRSS). */
function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

interface Load {
  rps: number;
  /** CPU time the server process spent per answered request (user + system), in microseconds. */
  serverCpuUs: number;
  /** The system part of it: the kernel's share, the loopback TCP path and waking the load generator included. */
  serverSysUs: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  non2xx: number;
}

/** User and system CPU of a process so far, in milliseconds (clock ticks are 10 ms on Linux; a 5 s run is ~500). */
function cpuMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}
/** User + system CPU in milliseconds between two readings of cpuMs. */
const cpuMsBetween = (before: { user: number; system: number }, after: { user: number; system: number }) =>
  after.user + after.system - before.user - before.system;

/**
 * Closed-loop load at full speed (autocannon). The server's CPU per request is measured alongside: with the load
 * generator on the same cores, it is the figure that does not depend on how the two share them.
 */
async function load(s: Server, requests: typeof mix, duration = seconds): Promise<Load> {
  const cpuBefore = cpuMs(s.child.pid!);
  const r = await autocannon({
    url: `https://127.0.0.1:${s.port}`,
    connections: 10,
    duration,
    requests,
    tlsOptions: { ca: tls.ca, servername: 'localhost' },
  });
  // Over the answers the server gave (autocannon counts a request once its response has arrived).
  const cpuAfter = cpuMs(s.child.pid!);
  const perAnswer = (ms: number) => (ms * 1000) / Math.max(1, r.requests.total);
  const serverSysUs = perAnswer(cpuAfter.system - cpuBefore.system);
  const serverCpuUs = perAnswer(cpuAfter.user - cpuBefore.user) + serverSysUs;
  return { rps: r.requests.average, serverCpuUs, serverSysUs, p50: r.latency.p50, p99: r.latency.p99, p999: r.latency.p99_9, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

// ---- The run -------------------------------------------------------------------------------------------
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
  secondsPerMeasurement: seconds,
};
const baseState = clusterState(10);
const WARM_UP_SECONDS = 3;
/** Warm-up passes at most; a pass is WARM_UP_SECONDS at full speed. */
const MAX_WARM_UP_PASSES = 8;
/** Two passes in a row within this share of each other's CPU per review: V8 is done optimising the request path. */
const STEADY = 0.03;

/**
 * Drives a fresh server at full speed until its CPU per review stops falling: V8 keeps compiling (and
 * recompiling after a deoptimisation) for several seconds, and a webhook process runs for days. Returns the
 * seconds it took. A fixed 3 s left the webhook at 137 µs per review where it settles at about 103.
 */
async function warmToSteady(s: Server): Promise<number> {
  let last = (await load(s, mix, WARM_UP_SECONDS)).serverCpuUs;
  let passes = 1;
  while (passes < MAX_WARM_UP_PASSES) {
    const now = (await load(s, mix, WARM_UP_SECONDS)).serverCpuUs;
    passes++;
    if (Math.abs(now - last) <= STEADY * last) break;
    last = now;
  }
  return passes * WARM_UP_SECONDS;
}

// 1. Throughput and CPU per review: the three servers in turns over BENCH_ROUNDS rounds (default 5), each fresh
// and warmed up; every figure is the median of the rounds with their spread, and the ratios are taken within
// each round (same moment of the machine) before the median.
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
if (parts.has('throughput')) {
  const throughput: Record<'webhook' | 'fastify' | 'raw', Load[]> = { webhook: [], fastify: [], raw: [] };
  const warmUpSeconds: Record<'webhook' | 'fastify' | 'raw', number[]> = { webhook: [], fastify: [], raw: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['webhook', 'fastify', 'raw'] as const) {
      const s = await startServer(mode, mode === 'webhook' ? [baseState] : []);
      warmUpSeconds[mode].push(await warmToSteady(s));
      throughput[mode].push(await load(s, mix));
      await stopServer(s);
    }
  }
  const of = (mode: 'webhook' | 'fastify' | 'raw', pick: (l: Load) => number) => spreadOf(throughput[mode].map(pick));
  const perRound = (f: (w: Load, b: Load) => number) => spreadOf(throughput.webhook.map((w, r) => f(w, throughput.fastify[r]!)));
  results['throughput'] = {
    rounds,
    summary: Object.fromEntries(
      (['webhook', 'fastify', 'raw'] as const).map((m) => [m, { rps: of(m, (l) => l.rps), serverCpuUs: of(m, (l) => l.serverCpuUs), serverSysUs: of(m, (l) => l.serverSysUs), p50: of(m, (l) => l.p50), p99: of(m, (l) => l.p99), errors: throughput[m].reduce((n, l) => n + l.errors + l.non2xx, 0) }]),
    ),
    // The issue's target: bare Fastify's CPU per review over ours (1 would be no cost at all).
    cpuRatioFastifyToWebhook: perRound((w, b) => b.serverCpuUs / w.serverCpuUs),
    warmUpSeconds,
    rpsRatioWebhookToFastify: perRound((w, b) => w.rps / b.rps),
    runs: throughput,
  };
}

// 1a. Where the gap at full speed is (BENCH_PARTS=gap, npm run bench:gap; not in the default run): servers that
// differ in one thing each, from the bare route to the webhook, in turns over the rounds like the throughput
// part, and the bare route spinning as long as the review handler runs in the server (BENCH_SPIN_US).
const gapSteps = [
  ['fastify', 'bare Fastify route'],
  ['webhook-allow', "the webhook's server (TLS settings, limits, connection gate, body parser) answering the same fixed allow"],
  ['webhook-quiet', 'the webhook with its logger off and no metrics'],
  ['webhook', 'the webhook'],
  ['fastify-spin', 'bare Fastify route, spinning first'],
] as const;
const spinUs = Number(process.env['BENCH_SPIN_US'] ?? 15);
if (parts.has('gap')) {
  const runs = new Map<string, Load[]>(gapSteps.map(([mode]) => [mode, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [mode] of gapSteps) {
      const s = await startServer(mode, mode.startsWith('webhook') ? [baseState] : []);
      await warmToSteady(s);
      runs.get(mode)!.push(await load(s, mix));
      await stopServer(s);
    }
  }
  const bare = runs.get('fastify')!;
  results['gap'] = {
    rounds,
    spinUs,
    steps: gapSteps.map(([mode, label]) => ({
      mode,
      label,
      rps: spreadOf(runs.get(mode)!.map((l) => l.rps)),
      serverCpuUs: spreadOf(runs.get(mode)!.map((l) => l.serverCpuUs)),
      // Within each round, against the bare route of the same round.
      addedUs: spreadOf(runs.get(mode)!.map((l, r) => l.serverCpuUs - bare[r]!.serverCpuUs)),
      errors: runs.get(mode)!.reduce((n, l) => n + l.errors + l.non2xx, 0),
    })),
  };
}

// 1b. The same reviews in process: what the handler costs without socket, TLS and HTTP, per kind and verdict.
if (parts.has('handler')) results['handler'] = await measureHandler(baseState);

const paced = (s: Server, requests: PacedOptions['requests'], rate: number, secs: number, warmUpSeconds: number, into?: PacedSamples, onMeasure?: () => void) =>
  pacedLoad({ origin: `https://127.0.0.1:${s.port}`, ca: tls.ca, requests, rate, seconds: secs, warmUpSeconds, ...(onMeasure ? { onMeasure } : {}) }, into);

/**
 * The server's CPU per review at a fixed rate: 1 s at the rate on the same connections first (their TLS
 * handshakes included), then its CPU time over the measured run divided by the reviews sent in it.
 */
async function cpuAtRate(s: Server, rate: number): Promise<{ cpuUs: number; result: PacedResult }> {
  let before = cpuMs(s.child.pid!);
  const result = (await paced(s, mix, rate, seconds, 1, undefined, () => (before = cpuMs(s.child.pid!)))).summary();
  const after = cpuMs(s.child.pid!);
  return { cpuUs: (cpuMsBetween(before, after) * 1000) / Math.max(1, result.sent), result };
}
// A webhook process lives for days; what counts is its latency once V8 has optimised the request path, so
// each fixed-rate server is first driven at full speed until its CPU per review settles, and then paced (which
// also warms the pacing client's own code).
const warmUp = async (s: Server) => {
  await warmToSteady(s);
  await paced(s, mix, 500, 1, 1);
};

type AtRate = { cpuUs: number; rps: number; p99: number; errors: number };

/**
 * The webhook and the bare route at fixed rates, `rounds` rounds: per round each server is started, warmed until
 * it settles, read for its CPU while idle, then measured at every rate in turn. The order of the servers and of
 * the rates alternates between rounds, so a drift of the machine does not land on the same side each time.
 * Returns, per server, one list per rate with an entry per round (in round order), and the idle CPU per round.
 */
async function atRates(rates: readonly number[], rounds: number) {
  const runs: Record<'webhook' | 'fastify', AtRate[][]> = { webhook: rates.map(() => []), fastify: rates.map(() => []) };
  // With no load at all: CPU a second of a warmed server that only waits (its timers, nothing else).
  const idleMsPerSecond: Record<'webhook' | 'fastify', number[]> = { webhook: [], fastify: [] };
  for (let round = 0; round < rounds; round++) {
    const modes = round % 2 === 0 ? (['webhook', 'fastify'] as const) : (['fastify', 'webhook'] as const);
    const order = rates.map((_, i) => (round % 2 === 0 ? i : rates.length - 1 - i));
    for (const mode of modes) {
      const t = await startServer(mode, mode === 'webhook' ? [baseState] : []);
      await warmUp(t);
      const before = cpuMs(t.child.pid!);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      idleMsPerSecond[mode].push(cpuMsBetween(before, cpuMs(t.child.pid!)) / seconds);
      for (const i of order) {
        const { cpuUs, result: r } = await cpuAtRate(t, rates[i]!);
        runs[mode][i]!.push({ cpuUs, rps: r.rps, p99: r.p99, errors: r.errors + r.non2xx });
      }
      await stopServer(t);
    }
  }
  return { runs, idleMsPerSecond };
}

// 2. Latency at a fixed rate of 1,000 req/s, open loop.
if (parts.has('fixed')) {
  const s = await startServer('webhook', [baseState]);
  await warmUp(s);
  results['fixedRate1000'] = (await paced(s, mix, 1000, Math.max(seconds, 5), 5)).summary();
  await stopServer(s);

  // Server CPU per review at the same fixed rate for the webhook and the bare route: at full speed a slower server
  // also handles fewer requests per turn of its event loop and pays the per-turn costs (epoll, timers, TLS writes)
  // on fewer requests, so CPU per review at saturation overstates what a review adds.
  // As many rounds as at full speed: a round's figure moves by several microseconds.
  const rate = 2000;
  const { runs, idleMsPerSecond } = await atRates([rate], rounds);
  const cpuAt = { webhook: runs.webhook[0]!.map((x) => x.cpuUs), fastify: runs.fastify[0]!.map((x) => x.cpuUs) };
  results['cpuAtFixedRate'] = {
    rate,
    rounds,
    webhookUs: spreadOf(cpuAt.webhook),
    fastifyUs: spreadOf(cpuAt.fastify),
    ratioFastifyToWebhook: spreadOf(cpuAt.webhook.map((w, i) => cpuAt.fastify[i]! / w)),
    idleMsPerSecond: { webhook: spreadOf(idleMsPerSecond.webhook), fastify: spreadOf(idleMsPerSecond.fastify) },
  };
}

// 2a. The same ratio over a range of fixed rates (BENCH_PARTS=rates, npm run bench:rates; not in the default run;
// BENCH_RATES). The ratio moves with the load: at a low rate both servers pay wake-ups per review, near
// saturation each turn of the event loop serves many reviews.
if (parts.has('rates')) {
  const rates = (process.env['BENCH_RATES'] ?? '500,1000,2000,4000,6000,8000').split(',').map(Number);
  if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`BENCH_RATES: positive numbers separated by commas, not ${process.env['BENCH_RATES']}`);
  const rateRounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
  const { runs, idleMsPerSecond } = await atRates(rates, rateRounds);
  results['cpuAtRates'] = {
    rounds: rateRounds,
    idleMsPerSecond: { webhook: spreadOf(idleMsPerSecond.webhook), fastify: spreadOf(idleMsPerSecond.fastify) },
    rows: rates.map((rate, i) => {
      const w = runs.webhook[i]!;
      const b = runs.fastify[i]!;
      return {
        rate,
        webhookUs: spreadOf(w.map((x) => x.cpuUs)),
        fastifyUs: spreadOf(b.map((x) => x.cpuUs)),
        ratio: spreadOf(w.map((x, r) => b[r]!.cpuUs / x.cpuUs)),
        achievedMin: Math.min(...w.map((x) => x.rps), ...b.map((x) => x.rps)),
        webhookP99: spreadOf(w.map((x) => x.p99)),
        errors: [...w, ...b].reduce((n, x) => n + x.errors, 0),
      };
    }),
  };
}

// 3. Scale: 10, 1,000, 5,000 and 50,000 nodes (each with two agent pods). The servers run side by side and are measured in turns, forward
// then backward, each size's samples pooled: a slow moment of the machine then lands on every size alike
// instead of on whichever size was measured during it.
if (parts.has('scale')) {
  const sizes = [10, 1000, 5000, 50_000];
  const servers = await Promise.all(sizes.map((n) => startServer('webhook', [clusterState(n)])));
  for (const s of servers) await warmUp(s);
  const samples = sizes.map(() => ({ gateway: new PacedSamples(), policy: new PacedSamples() }));
  const secs = Math.max(2, Math.ceil(seconds / 2));
  const forward = sizes.map((_, i) => i);
  for (const order of [forward, [...forward].reverse()]) {
    for (const i of order) {
      await paced(servers[i]!, [mix[0]!], 500, secs, 1, samples[i]!.gateway);
      await paced(servers[i]!, [mix[1]!], 500, secs, 1, samples[i]!.policy);
    }
  }
  results['scale'] = sizes.map((nodes, i) => ({
    nodes,
    agentPods: nodes * 2,
    gateway: samples[i]!.gateway.summary(),
    policy: samples[i]!.policy.summary(),
    rssMB: rssMB(servers[i]!.child.pid!),
    peakRssMB: peakRssMB(servers[i]!.child.pid!),
  }));
  for (const s of servers) await stopServer(s);
}

// 4. Cold start of the built command, as a user or a pod meets it: a new process each time, median of seven.
interface ColdStart {
  what: string;
  medianMs: number;
  maxMs: number;
  peakRssMB: number;
  target?: string;
}
if (parts.has('startup')) {
  const root = join(here, '..', '..', '..');
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  // Peak RSS of a process that has exited: it reports its own, on exit, on stderr.
  const reportRss = `data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>writeSync(2,'MAXRSS '+process.resourceUsage().maxRSS+'\\n'))`;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const runs = 7;
  const oneShot = (what: string, args: string[], target?: string): ColdStart => {
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--import', reportRss, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, BUILD_CHECK_ONLY: '1' } });
      if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      times.push(performance.now() - t0);
      rss.push(Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) / 1024);
    }
    return { what, medianMs: median(times), maxMs: Math.max(...times), peakRssMB: median(rss), ...(target ? { target } : {}) };
  };
  const manyObjects = join(dir, 'thousand.yaml');
  writeFileSync(
    manyObjects,
    Array.from({ length: 1000 }, (_, i) =>
      i % 2 === 0
        ? `apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGateway\nmetadata:\n  name: gw-${i}\nspec:\n  nodeSelector:\n    egress-group: g${i % 20}\n  sourceIP:\n    mode: VirtualIPAddress\n    virtualIPAddress:\n      ip: 198.51.${(i >> 8) & 255}.${i & 255}\n`
        : `apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGatewayPolicy\nmetadata:\n  name: p-${i}\nspec:\n  egressGatewayName: gw-${i - 1}\n  destinationCIDRs: [0.0.0.0/0]\n  selectors: [{podSelector: {matchLabels: {app: a${i}}}}]\n`,
    ).join('---\n'),
  );
  const coldStarts: ColdStart[] = [
    oneShot('--version', [cli, '--version']),
    oneShot('validate, one file', [cli, 'validate', '-f', join(root, 'examples', 'manifests', 'egress.yaml')], '< 300 ms, < 80 MB'),
    oneShot('validate, 1,000 objects', [cli, 'validate', '-f', manyObjects]),
    oneShot('npm start with nothing to rebuild (the check only)', [join(root, 'scripts', 'build-if-changed.mjs')]),
  ];
  // serve: from spawn to "metrics listening" (both ports bound), certificates already on disk as on a restart.
  const certDir = join(dir, 'startup-certs');
  const serveReady = async (): Promise<{ ms: number; rssMB: number }> => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...serverFlags, cli, 'serve', '--port', '0', '--metrics-port', '0', '--cert-dir', certDir, '--cluster-state', join(root, 'examples', 'cluster-state.yaml')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    let early: ((code: number | null) => void) | undefined;
    const ms = await new Promise<number>((resolve, reject) => {
      early = (code) => reject(new Error(`serve exited ${code}`));
      child.on('exit', early);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('"msg":"metrics listening"')) resolve(performance.now() - t0);
      });
    });
    const rssMB = peakRssMB(child.pid!);
    child.off('exit', early!);
    child.kill('SIGKILL');
    await exited;
    return { ms, rssMB };
  };
  await serveReady(); // writes the certificates once
  const serves: { ms: number; rssMB: number }[] = [];
  for (let i = 0; i < runs; i++) serves.push(await serveReady());
  coldStarts.push({
    what: 'serve --cluster-state, until both ports listen',
    medianMs: median(serves.map((x) => x.ms)),
    maxMs: Math.max(...serves.map((x) => x.ms)),
    peakRssMB: median(serves.map((x) => x.rssMB)),
    target: '< 500 ms',
  });
  results['coldStart'] = coldStarts;
}

// 5. Audit: 5,000 nodes, 1,000 gateways and 1,000 policies, every gateway on the same egress nodes. Admission
// latency at 500 req/s with no change, then while an egress node is relabelled every second (each change makes
// all 1,000 gateways due for a re-check; policies do not read nodes), in turns, samples pooled as for the scale part.
if (parts.has('audit')) {
  const s = await startServer('audit', [], 'audit-server.js');
  await warmUp(s);
  const quiet = new PacedSamples();
  const churning = new PacedSamples();
  const secs = Math.max(3, seconds);
  for (let round = 0; round < 2; round++) {
    s.child.stdin!.write('quiet\n');
    await paced(s, [mix[0]!, mix[1]!], 500, secs, 1, quiet);
    s.child.stdin!.write('churn 1000\n');
    await paced(s, [mix[0]!, mix[1]!], 500, secs, 1, churning);
  }
  s.child.stdin!.write('quiet\n');
  const stats = await new Promise<Record<string, number>>((resolve) => {
    s.child.once('stats', resolve);
    s.child.stdin!.write('stats\n');
  });
  results['audit'] = { nodes: 5000, gateways: 1000, policies: 1000, quiet: quiet.summary(), churning: churning.summary(), ...stats, peakRssMB: peakRssMB(s.child.pid!) };
  await stopServer(s);
}

// 6. The optional Node UPDATE webhook (POST /warn-node) at 5,000 nodes: a cordon of a gateway's node (the work
// it does: every gateway that selects the node, before and after), and an update that changes neither labels nor
// spec.unschedulable (what an API server without matchConditions sends for most node updates).
if (parts.has('node')) {
  const headers = { 'content-type': 'application/json' };
  let uid = 0;
  const nodeReview = (oldObject: unknown, object: unknown) =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: `bench-${++uid}`, kind: { group: '', version: 'v1', kind: 'Node' }, resource: { group: '', version: 'v1', resource: 'nodes' }, name: 'node-0', operation: 'UPDATE', object, oldObject },
    });
  const node0 = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-0', labels: { 'kubernetes.io/hostname': 'node-0', 'node.deckhouse.io/group': 'pool-0', 'egress-group': 'g0' } },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.0' }] },
  };
  const cordon = [{ method: 'POST' as const, path: '/warn-node', headers, body: nodeReview(node0, { ...node0, spec: { unschedulable: true } }), label: 'cordon' }];
  const other = [{ method: 'POST' as const, path: '/warn-node', headers, body: nodeReview(node0, { ...node0, metadata: { ...node0.metadata, annotations: { a: 'b' } } }), label: 'other' }];
  const s = await startServer('webhook', [clusterState(5000)]);
  await warmUp(s);
  await paced(s, cordon, 500, 1, 1);
  results['nodeWebhook'] = { nodes: 5000, cordon: (await paced(s, cordon, 500, Math.max(seconds, 5), 1)).summary(), unrelated: (await paced(s, other, 500, Math.max(seconds, 5), 1)).summary() };
  await stopServer(s);
}

// ---- Report --------------------------------------------------------------------------------------------
const ms = (n: number) => `${n.toFixed(2)} ms`;
/** A spread as the tables print it: median (min-max), with `digits` decimals. */
const spread = (x: Spread, digits: number) => `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}-${x.max.toFixed(digits)})`;
const lines = [`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; servers run with node ${serverFlags.join(' ')}`];
if (results['throughput']) {
  const tp = results['throughput'] as { rounds: number; summary: Record<'webhook' | 'fastify' | 'raw', { rps: Spread; serverCpuUs: Spread; serverSysUs: Spread; p50: Spread; p99: Spread; errors: number }>; cpuRatioFastifyToWebhook: Spread; rpsRatioWebhookToFastify: Spread; warmUpSeconds: Record<'webhook' | 'fastify' | 'raw', number[]> };
  const label = { webhook: 'this webhook', fastify: 'bare Fastify route', raw: 'raw node:https' };
  lines.push(
    '',
    `| server (HTTPS keep-alive, 10 connections, the mix; median of ${tp.rounds} runs, min-max) | req/s | server CPU per review, µs | of which system, µs | p50, ms | p99, ms | errors |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...(['webhook', 'fastify', 'raw'] as const).map((m) => {
      const r = tp.summary[m];
      return `| ${label[m]} | ${spread(r.rps, 0)} | ${spread(r.serverCpuUs, 1)} | ${spread(r.serverSysUs, 1)} | ${spread(r.p50, 2)} | ${spread(r.p99, 2)} | ${r.errors} |`;
    }),
    '',
    `bare Fastify's server CPU per review / the webhook's (same run): ${spread(tp.cpuRatioFastifyToWebhook, 2)}; throughput webhook / bare Fastify: ${spread(tp.rpsRatioWebhookToFastify, 2)}`,
    `warm-up until the CPU per review settled (seconds, per run): ${(['webhook', 'fastify', 'raw'] as const).map((m) => `${label[m]} ${tp.warmUpSeconds[m].join(', ')}`).join('; ')}`,
  );
}
if (results['gap']) {
  const g = results['gap'] as { rounds: number; spinUs: number; steps: { mode: string; label: string; rps: Spread; serverCpuUs: Spread; addedUs: Spread; errors: number }[] };
  lines.push(
    '',
    `| from the bare route to the webhook, at full speed (the mix, 10 connections; median of ${g.rounds} runs, min-max) | req/s | server CPU per review, µs | more than the bare route, µs | errors |`,
    '| --- | --- | --- | --- | --- |',
    ...g.steps.map((st) => `| ${st.mode === 'fastify-spin' ? `${st.label} ${g.spinUs} µs per request` : st.label} | ${spread(st.rps, 0)} | ${spread(st.serverCpuUs, 1)} | ${st.mode === 'fastify' ? '' : spread(st.addedUs, 1)} | ${st.errors} |`),
  );
}
if (results['handler']) lines.push('', ...handlerTable(results['handler'] as HandlerResult));
if (results['fixedRate1000']) {
  const f = results['fixedRate1000'] as PacedResult;
  lines.push(
    '',
    `webhook at 1,000 req/s (open loop, mixed reviews): p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, p99.9 ${ms(f.p999)}, max ${ms(f.max)};`,
    `achieved ${Math.round(f.rps)} req/s, pacer lag p99 ${ms(f.pacerLagP99)}, errors ${f.errors + f.non2xx}`,
  );
}
const idleLine = (idle: Record<'webhook' | 'fastify', Spread>) =>
  `idle after the warm-up, CPU per second (${seconds} s, 10 ms clock ticks): webhook ${spread(idle.webhook, 1)} ms, bare Fastify ${spread(idle.fastify, 1)} ms`;
if (results['cpuAtFixedRate']) {
  const c = results['cpuAtFixedRate'] as { rate: number; rounds: number; webhookUs: Spread; fastifyUs: Spread; ratioFastifyToWebhook: Spread; idleMsPerSecond: Record<'webhook' | 'fastify', Spread> };
  lines.push(
    '',
    `server CPU per review at ${c.rate} req/s (open loop, the mix, median of ${c.rounds} runs, min-max): webhook ${spread(c.webhookUs, 1)} µs, bare Fastify ${spread(c.fastifyUs, 1)} µs;`,
    `bare Fastify's / the webhook's: ${spread(c.ratioFastifyToWebhook, 2)}`,
    idleLine(c.idleMsPerSecond),
  );
}
if (results['cpuAtRates']) {
  const c = results['cpuAtRates'] as { rounds: number; idleMsPerSecond: Record<'webhook' | 'fastify', Spread>; rows: { rate: number; webhookUs: Spread; fastifyUs: Spread; ratio: Spread; achievedMin: number; webhookP99: Spread; errors: number }[] };
  lines.push(
    '',
    `| offered rate (open loop, the mix; median of ${c.rounds} runs, min-max) | webhook CPU per review, µs | bare Fastify CPU per review, µs | bare Fastify's / the webhook's | lowest achieved, req/s | webhook p99, ms | errors |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...c.rows.map((r) => `| ${r.rate} req/s | ${spread(r.webhookUs, 1)} | ${spread(r.fastifyUs, 1)} | ${spread(r.ratio, 2)} | ${Math.round(r.achievedMin)} | ${spread(r.webhookP99, 2)} | ${r.errors} |`),
    '',
    idleLine(c.idleMsPerSecond),
  );
}
if (results['scale']) {
  const scale = results['scale'] as { nodes: number; agentPods: number; gateway: PacedResult; policy: PacedResult; rssMB: number; peakRssMB: number }[];
  lines.push(
    '',
    '| nodes | agent pods | gateway review p99 at 500 req/s | policy review p99 at 500 req/s | errors | RSS after the runs | peak RSS (loading the state included) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...scale.map(
      (r) =>
        `| ${r.nodes} | ${r.agentPods} | ${ms(r.gateway.p99)} | ${ms(r.policy.p99)} | ${r.gateway.errors + r.gateway.non2xx + r.policy.errors + r.policy.non2xx} | ${r.rssMB.toFixed(0)} MB | ${r.peakRssMB.toFixed(0)} MB |`,
    ),
  );
}
if (results['coldStart']) {
  lines.push(
    '',
    '| cold start (new process each time, median of 7) | median | max | peak RSS | target |',
    '| --- | --- | --- | --- | --- |',
    ...(results['coldStart'] as ColdStart[]).map((c) => `| ${c.what} | ${c.medianMs.toFixed(0)} ms | ${c.maxMs.toFixed(0)} ms | ${c.peakRssMB.toFixed(0)} MB | ${c.target ?? ''} |`),
  );
}
if (results['audit']) {
  const a = results['audit'] as {
    quiet: PacedResult;
    churning: PacedResult;
    nodeChanges: number;
    passes: number;
    objectsPerPass: number;
    passMsP50: number;
    passMsMax: number;
    peakRssMB: number;
    loopDelayQuietP99: number;
    loopDelayQuietP999: number;
    loopDelayChurnP99: number;
    loopDelayChurnP999: number;
  };
  lines.push(
    '',
    '| audit: 5,000 nodes, 1,000 gateways, 1,000 policies | admission p50 | p99 | p99.9 | errors | event-loop delay p99 / p99.9 | re-audit passes | objects per pass | pass p50 / max | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    `| no node change | ${ms(a.quiet.p50)} | ${ms(a.quiet.p99)} | ${ms(a.quiet.p999)} | ${a.quiet.errors + a.quiet.non2xx} | ${ms(a.loopDelayQuietP99)} / ${ms(a.loopDelayQuietP999)} | | | | |`,
    `| an egress node relabelled every second (${a.nodeChanges} changes) | ${ms(a.churning.p50)} | ${ms(a.churning.p99)} | ${ms(a.churning.p999)} | ${a.churning.errors + a.churning.non2xx} | ${ms(a.loopDelayChurnP99)} / ${ms(a.loopDelayChurnP999)} | ${a.passes} | ${a.objectsPerPass} | ${ms(a.passMsP50)} / ${ms(a.passMsMax)} | ${a.peakRssMB.toFixed(0)} MB |`,
  );
}
if (results['nodeWebhook']) {
  const n = results['nodeWebhook'] as { nodes: number; cordon: PacedResult; unrelated: PacedResult };
  lines.push(
    '',
    `| POST /warn-node at ${n.nodes} nodes, 500 req/s | p50 | p99 | p99.9 | errors |`,
    '| --- | --- | --- | --- | --- |',
    ...([['cordon of a gateway node', n.cordon], ['update of neither labels nor unschedulable', n.unrelated]] as const).map(
      ([what, r]) => `| ${what} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.p999)} | ${r.errors + r.non2xx} |`,
    ),
  );
}
console.log(lines.join('\n'));
const out = join(here, '..', '..', 'bench-results.json');
writeFileSync(out, JSON.stringify(results, null, 2));
console.log(`\nJSON: ${out}`);
