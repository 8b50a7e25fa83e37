// npm run bench:perf: where the server's CPU goes per review, kernel included, for this webhook and the bare Fastify
// route. Each runs alone under `perf record` (Linux perf, Debian package linux-perf) while the bench mix is driven
// at full speed over loopback, after a warm-up long enough for V8 to settle (BENCH_WARM_SECONDS, default 15).
// Prints µs per review by part, the median of BENCH_ROUNDS rounds with the spread: kernel (and the share spent
// waking the load generator in the answer's write), V8's runtime, V8's builtins, JIT-compiled JavaScript, and the
// rest of the node binary and its libraries.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { generateServingCertificate } from '../../src/tls/certificates.js';
import { mix } from './mix.js';
import { spreadOf } from './handler.js';
import { imageNodeFlags, startBenchServer, stopServer } from './process-stats.js';
import { writeClusterState } from './state.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const warmSeconds = Number(process.env['BENCH_WARM_SECONDS'] ?? 15);
const frequency = 2000;

if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('bench:perf needs Linux perf on PATH (Debian: apt-get install linux-perf), and perf_event_paranoid at 2 or lower');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'egw-perf-'));
const tls = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
writeFileSync(join(dir, 'tls.crt'), tls.cert);
writeFileSync(join(dir, 'tls.key'), tls.key);
const state = writeClusterState(dir, 10);

type Parts = Map<string, number>;

/** The part of the process a sample's shared object and symbol belong to. */
function partOf(dso: string, symbol: string): string {
  if (dso.startsWith('[JIT]')) return 'JIT-compiled JavaScript';
  if (dso === '[kernel.kallsyms]') return 'kernel';
  if (dso === 'node' && symbol.startsWith('Builtins_')) return "V8's builtins";
  if (dso === 'node' && symbol.startsWith('v8::')) return "V8's runtime (C++)";
  return 'the rest: node, libuv, OpenSSL, libc';
}

function report(file: string, args: string[]): string {
  const r = spawnSync('perf', ['report', '-i', file, '--no-children', '-g', 'none', '-n', '--stdio', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`perf report failed: ${r.stderr}`);
  return r.stdout;
}

/** µs per review by part, and the µs spent under sock_def_readable (delivering the answer and waking its reader). */
function split(file: string, reviews: number): { parts: Parts; waking: number } {
  const usPerSample = 1e6 / frequency / reviews;
  const parts: Parts = new Map();
  // Rows: "  12.34%   1234  dso  [.] symbol"; a JIT dso holds a space ("[JIT] tid 123").
  for (const line of report(file, ['--sort', 'dso,sym']).split('\n')) {
    const m = /^\s*[\d.]+%\s+(\d+)\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)$/.exec(line);
    if (!m) continue;
    const part = partOf(m[2]!, m[3]!.trim());
    parts.set(part, (parts.get(part) ?? 0) + Number(m[1]) * usPerSample);
  }
  const waking = /^\s*[\d.]+%\s+(\d+)\s+sock_def_readable\s*$/m.exec(report(file, ['--sort', 'parent', '-p', '^sock_def_readable$']));
  return { parts, waking: waking ? Number(waking[1]) * usPerSample : 0 };
}

async function measure(mode: 'webhook' | 'fastify'): Promise<{ parts: Parts; waking: number; reviews: number }> {
  // --perf-basic-prof also writes V8's log (isolate-*-v8.log) to the working directory: the temporary one.
  const server = await startBenchServer({ mode, flags: [...imageNodeFlags, '--perf-basic-prof-only-functions'], stateFiles: [state], dir, cwd: dir });
  const { port, child } = server;
  const run = (duration: number) =>
    autocannon({ url: `https://127.0.0.1:${port}`, connections: 10, duration, requests: mix, tlsOptions: { ca: tls.ca, servername: 'localhost' } });
  await run(warmSeconds);
  const file = join(dir, `perf.${mode}.data`);
  const perf = spawn('perf', ['record', '-F', String(frequency), '-g', '-p', String(child.pid), '-o', file, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
  const recorded = new Promise((resolve) => perf.on('exit', resolve));
  // The load outlasts the recording by a second, so every sample is taken under load.
  const r = await run(seconds + 1);
  await recorded;
  await stopServer(server);
  // Answers given while perf recorded: the run's average rate over the recorded seconds.
  const reviews = Math.round(r.requests.average * seconds);
  const result = { ...split(file, reviews), reviews };
  // The symbol map of the JIT code that --perf-basic-prof-only-functions wrote for perf.
  rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  return result;
}

// BENCH_ROUNDS rounds (default 3), the two servers in turn in each; every figure is the median with its spread.
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const runs: Record<'fastify' | 'webhook', Awaited<ReturnType<typeof measure>>[]> = { fastify: [], webhook: [] };
for (let round = 0; round < rounds; round++) {
  for (const mode of ['fastify', 'webhook'] as const) runs[mode].push(await measure(mode));
}
const order = ['kernel', "V8's runtime (C++)", "V8's builtins", 'JIT-compiled JavaScript', 'the rest: node, libuv, OpenSSL, libc'];
const total = (p: Parts) => [...p.values()].reduce((a, b) => a + b, 0);
const cell = (mode: 'fastify' | 'webhook', pick: (r: Awaited<ReturnType<typeof measure>>) => number) => {
  const x = spreadOf(runs[mode].map(pick));
  return `${x.median.toFixed(1)} (${x.min.toFixed(1)}-${x.max.toFixed(1)})`;
};
const row = (what: string, pick: (r: Awaited<ReturnType<typeof measure>>) => number) => console.log(`| ${what} | ${cell('fastify', pick)} | ${cell('webhook', pick)} |`);
console.log(`perf record -F ${frequency} -g, ${seconds} s at full speed after ${warmSeconds} s of warm-up, ${process.version}, servers with node ${imageNodeFlags.join(' ')}`);
console.log(`reviews while recording, per round: bare Fastify ${runs.fastify.map((r) => r.reviews).join(', ')}; webhook ${runs.webhook.map((r) => r.reviews).join(', ')} (perf slows both by about a tenth)\n`);
console.log(`| part, µs per review (median of ${rounds} rounds, min-max) | bare Fastify | webhook |\n| --- | --- | --- |`);
for (const part of order) {
  row(part, (r) => r.parts.get(part) ?? 0);
  if (part === 'kernel') row('of which delivering each answer to the load generator and waking it', (r) => r.waking);
}
row('total', (r) => total(r.parts));
console.log(`\nperf data: ${dir}`);
