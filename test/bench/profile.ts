// npm run bench:profile: where a review's CPU goes. Runs the webhook bench server under --cpu-prof, drives the bench
// mix at full speed for BENCH_SECONDS (default 8) over loopback, and prints self time per function and per package,
// as a share of the profile and in microseconds per review. The .cpuprofile stays in a temporary folder (printed)
// for Chrome DevTools.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { generateServingCertificate } from '../../src/tls/certificates.js';
import { mix } from './mix.js';
import { startBenchServer } from './process-stats.js';
import { writeClusterState } from './state.js';

const dir = mkdtempSync(join(tmpdir(), 'egw-profile-'));
const seconds = Number(process.env['BENCH_SECONDS'] ?? 8);
const tls = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
writeFileSync(join(dir, 'tls.crt'), tls.cert);
writeFileSync(join(dir, 'tls.key'), tls.key);
const profDir = join(dir, 'prof');

// BENCH_MODE=fastify (or raw) profiles the bare servers of npm run bench instead, for comparison.
const mode = process.env['BENCH_MODE'] ?? 'webhook';
const { port, child } = await startBenchServer({ mode, flags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`], stateFiles: [writeClusterState(dir, 10)], dir });
const run = (duration: number) =>
  autocannon({ url: `https://127.0.0.1:${port}`, connections: 10, duration, requests: mix, tlsOptions: { ca: tls.ca, servername: 'localhost' } });
await run(2); // warm-up, in the profile too but small next to the measured part
const r = await run(seconds);
child.removeAllListeners('exit');
const exited = new Promise((resolve) => child.on('exit', resolve));
child.kill('SIGTERM'); // the bench server exits cleanly on SIGTERM, which writes the profile
await exited;

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const reviews = r.requests.total;
const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
const area = (url: string, name: string) => {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const src = /dist\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return 'node core';
  return url ? url.replace(/^.*\/dist\//, '') : '(native)';
};
for (const n of profile.nodes) {
  const us = selfUs.get(n.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const a = area(url, functionName);
  byArea.set(a, (byArea.get(a) ?? 0) + us);
}
const idle = byArea.get('(idle)') ?? 0;
const busy = total - idle;
const row = (what: string, us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / reviews).toFixed(2).padStart(6)} µs/review  ${what}`;
console.log(`${mode}: ${reviews} reviews in ${seconds} s (${Math.round(r.requests.average)} req/s), ${(busy / reviews).toFixed(1)} µs of busy profile per review, ${process.version}`);
console.log('\nself time by package or folder:');
for (const [a, us] of [...byArea].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(row(a, us));
console.log('\nself time by function (top 40):');
for (const [f, us] of [...byFunction].filter(([f]) => !f.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, 40)) console.log(row(f, us));
console.log(`\nprofile: ${join(profDir, file)}`);
