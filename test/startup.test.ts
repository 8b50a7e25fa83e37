import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { lookup as lookup_ } from 'node:dns/promises';
import { listenHost } from '../src/server/startup-checks.js';
import { fromRoot } from './helpers/paths.js';
import { cli, startServe } from './helpers/serve-process.js';
import { fetchText } from './helpers/http-get.js';

// Startup as an operator meets it: the first log line says what runs, every bad flag or file fails before
// anything listens with the flag and file named, a busy port exits 1 naming the port, and a signal stops the
// process in any phase.

const require_ = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string };
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** `serve` that is expected to fail: exit code and stderr, with a clean environment (no kubeconfig around). */
function failing(args: string[], env: Record<string, string> = {}) {
  const home = tmp('egw-home-');
  const r = spawnSync(process.execPath, [cli, 'serve', '--port', '0', '--metrics-port', '0', '--cert-dir', join(tmp('egw-certs-'), 'certs'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env },
    timeout: 20_000,
  });
  return { code: r.status, stderr: r.stderr, logs: r.stdout };
}

async function busyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe('startup: versions', () => {
  it('the first log line names the version and Node.js; /metrics has build_info', async () => {
    const run = await startServe(['--cert-dir', join(tmp('egw-certs-'), 'certs')]);
    try {
      const first = run.logs[0];
      assert.deepEqual([first.msg, first.version, first.node], ['starting egress-gateway-webhook', pkg.version, process.version]);
      const text = await fetchText(run.metricsUrl);
      assert.ok(
        text.split('\n').includes(`egress_gateway_webhook_build_info{version="${pkg.version}",node_version="${process.version}"} 1`),
        text.split('\n').filter((l) => l.includes('build_info')).join('\n'),
      );
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe('startup: fails loudly and early', () => {
  it('a missing certificate or key file is named with its flag; a key of another certificate too', () => {
    const dir = tmp('egw-tls-');
    const r = failing(['--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', join(dir, 'tls.key')]);
    assert.deepEqual([r.code, r.stderr], [1, `error: --tls-cert-file ${join(dir, 'tls.crt')}: no such file\n`]);
    // Two pairs from `certs`: the certificate of one with the key of the other.
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    for (const out of [a, b]) execFileSync(process.execPath, [cli, 'certs', '--service', 's', '--namespace', 'n', '--out', out]);
    const mixed = failing(['--tls-cert-file', join(a, 'tls.crt'), '--tls-key-file', join(b, 'tls.key')]);
    assert.deepEqual(
      [mixed.code, mixed.stderr],
      [1, `error: --tls-cert-file ${join(a, 'tls.crt')} with --tls-key-file ${join(b, 'tls.key')}: the key does not belong to the certificate\n`],
    );
  });

  it('a missing or malformed cluster state file is named with its flag (and the line)', () => {
    const r = failing(['--cluster-state', '/nonexistent.yaml']);
    assert.deepEqual([r.code, r.stderr], [1, 'error: --cluster-state /nonexistent.yaml: no such file\n']);
    const broken = join(tmp('egw-state-'), 'state.yaml');
    writeFileSync(broken, 'apiVersion: v1\nkind: Node\nmetadata:\n  name: [n1\n');
    const malformed = failing(['--cluster-state', broken]);
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, new RegExp(`^error: --cluster-state ${broken.replace(/[.]/g, '\\.')}:\\d+: \\S`));
  });

  it('a listen address that is not this machine names the flag', () => {
    const r = failing(['--host', '192.0.2.1']);
    assert.deepEqual([r.code, r.stderr], [1, 'error: --host 192.0.2.1: not an address of this machine\n']);
    const metrics = failing(['--metrics-host', '192.0.2.1']);
    assert.deepEqual([metrics.code, metrics.stderr], [1, 'error: --metrics-host 192.0.2.1: not an address of this machine\n']);
    const https = failing(['--host', '192.0.2.1', '--metrics-host', '127.0.0.1']);
    assert.deepEqual([https.code, https.stderr], [1, 'error: --host 192.0.2.1: not an address of this machine\n']);
  });

  it('--host localhost is served on its first address only: fastify would serve the others without the limits', async () => {
    const asked: string[] = [];
    const lookup = async (name: string) => (asked.push(name), { address: '::1' });
    assert.equal(await listenHost('localhost', lookup), '::1');
    assert.equal(await listenHost('0.0.0.0', lookup), '0.0.0.0');
    assert.equal(await listenHost('::', lookup), '::');
    assert.deepEqual(asked, ['localhost']);
    assert.equal(await listenHost('localhost', () => Promise.reject(new Error('no resolver'))), 'localhost');

    const first = (await lookup_('localhost')).address;
    const run = await startServe(['--host', 'localhost']);
    try {
      const port = /:(\d+)$/.exec(run.logs.find((l) => l.msg?.startsWith('Server listening at'))!.msg)![1];
      assert.deepEqual(
        run.logs.filter((l) => l.msg?.startsWith('Server listening at')).map((l) => l.msg),
        [`Server listening at https://${first.includes(':') ? `[${first}]` : first}:${port}`],
      );
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  it('--live without any kubeconfig fails at once with a hint, instead of retrying forever', () => {
    const r = failing(['--live']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: --live: no cluster to watch: not in a pod \(KUBERNETES_SERVICE_HOST or the service account token is missing\); KUBECONFIG is unset and \S+\/\.kube\/config does not exist; pass --kubeconfig FILE, or --cluster-state FILE to run without a cluster\n$/,
    );
    assert.deepEqual(failing(['--kubeconfig', '/nonexistent/kubeconfig']).stderr, 'error: --kubeconfig /nonexistent/kubeconfig: no such file\n');
  });

  it('a default that would break a rule is refused before starting, naming the flag and the rule', () => {
    const r = failing(['--default-destination-cidrs', '10.0.0.0/8,192.168.1.1/16']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: --default-destination-cidrs: Invalid value: "192\.168\.1\.1\/16": .*\(the default breaks rule [a-z-]+, which every object it fills in would then fail\)\n/);
    const selector = failing(['--default-node-selector', 'dedicated/egress=yes please']);
    assert.match(selector.stderr, /^error: --default-node-selector: Invalid value: "yes please": .*\(the default breaks rule [a-z-]+, /);
    assert.equal(r.logs, '', 'nothing started');
  });

  it('a default that every object it fills in would be warned about is refused too', () => {
    const cases: [string[], string][] = [
      [
        ['--default-node-selector', ''],
        'error: --default-node-selector: an empty selector makes every node of the cluster an egress candidate; give key=value, e.g. dedicated/egress= (the default would bring warning gateway-empty-node-selector to every object it fills in)\n',
      ],
      [
        ['--default-node-selector', 'node-role.deckhouse.io/egress='],
        'error: --default-node-selector: node-role.deckhouse.io/egress: keys under node-role.deckhouse.io/ are reserved by Deckhouse, which alerts on them; use e.g. dedicated/egress= (the default would bring warning gateway-reserved-node-label to every object it fills in)\n',
      ],
      [
        ['--default-destination-cidrs', ''],
        'error: --default-destination-cidrs: an empty list routes nothing; give cidr,..., e.g. 0.0.0.0/0 (the default would bring warning destinations-empty to every object it fills in)\n',
      ],
    ];
    for (const [args, line] of cases) {
      const r = failing(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.split('Run ')[0], line, args.join(' '));
    }
  });

  it('a busy HTTPS or metrics port: exit 1 naming the port, nothing left listening', async () => {
    const { server, port } = await busyPort();
    try {
      const https = failing(['--port', String(port)]);
      assert.deepEqual([https.code, https.stderr], [1, `error: --port ${port}: address 127.0.0.1:${port} is already in use\n`]);
      const metrics = failing(['--metrics-port', String(port)]);
      assert.deepEqual([metrics.code, metrics.stderr], [1, `error: --metrics-port ${port}: address 127.0.0.1:${port} is already in use\n`]);
    } finally {
      server.close();
    }
  });
});

describe('startup: signals in every phase', () => {
  it('SIGTERM while still waiting for the certificate Secret: exits 0 at once', async () => {
    const dir = tmp('egw-kube-');
    const kubeconfig = join(dir, 'config');
    // An API server address where nothing listens: the Secret read fails and is retried with backoff.
    const { server, port } = await busyPort();
    server.close();
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--metrics-port', '0', '--kubeconfig', kubeconfig, '--tls-secret', 's', '--namespace', 'n'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const logs: { msg: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no retry logged: ${JSON.stringify(logs)}`)), 15_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        logs.push(JSON.parse(line));
        if (logs.at(-1)!.msg === 'reading the certificate Secret failed; retrying') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(logs.at(-1)!.msg, 'stopped before startup finished');
  });
});

describe('npm start builds only when sources changed', () => {
  it('builds the first time and after a source change, not otherwise', () => {
    const dir = tmp('egw-start-');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.ts'), 'export {};\n');
    // A stand-in build that counts its runs and writes the stamp the real build writes.
    const build = "node -e \"const fs=require('fs');fs.mkdirSync('dist',{recursive:true});fs.appendFileSync('builds','x');fs.writeFileSync('dist/.build-stamp','')\"";
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', private: true, scripts: { build } }));
    const prestart = () => execFileSync(process.execPath, [fromRoot('scripts/build-if-changed.mjs')], { cwd: dir, encoding: 'utf8' });
    const builds = () => readFileSync(join(dir, 'builds'), 'utf8').length;
    prestart();
    assert.equal(builds(), 1);
    assert.equal(prestart(), 'dist/ is up to date with src/; not rebuilding\n');
    assert.equal(builds(), 1);
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'src', 'a.ts'), later, later);
    prestart();
    assert.equal(builds(), 2);
  });
});

describe('cold start: heavy modules load only in the modes that need them', () => {
  // module.registerHooks (Node 22.15 and later) sees every module as it resolves, in the process itself.
  const hooksAvailable = 'registerHooks' in (require_('node:module') as object);
  const recorder = [
    "import{registerHooks}from'node:module';import{writeSync}from'node:fs';",
    'const seen=new Set();',
    "registerHooks({resolve(s,c,n){const r=n(s,c);const m=/node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url);if(m)seen.add(m[1]);return r;}});",
    "process.on('exit',()=>writeSync(2,'PACKAGES '+[...seen].sort().join(',')+'\\n'));",
  ].join('');
  const packagesOf = (stderr: string) => (/^PACKAGES (.*)$/m.exec(stderr)?.[1] ?? '').split(',').filter(Boolean);

  it('validate loads neither the Kubernetes client, nor the HTTP server, logger, metrics or certificate generator', { skip: !hooksAvailable && 'needs module.registerHooks (Node 22.15 or later)' }, () => {
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${recorder}`, cli, 'validate', '-f', 'examples/manifests/'], { cwd: fromRoot(''), encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const loaded = packagesOf(r.stderr);
    assert.ok(loaded.includes('yaml'), `the recorder sees packages: ${loaded.join(', ')}`);
    for (const heavy of ['@kubernetes/client-node', 'fastify', 'pino', 'prom-client', 'selfsigned']) assert.ok(!loaded.includes(heavy), `validate loaded ${heavy}`);
  });

  it('serve --cluster-state with certificates on disk loads neither the Kubernetes client nor the certificate generator', { skip: !hooksAvailable && 'needs module.registerHooks (Node 22.15 or later)' }, async () => {
    const certDir = join(tmp('egw-certs-'), 'certs');
    await startServe(['--cert-dir', certDir]).then(async (first) => {
      first.child.kill('SIGTERM');
      await first.exited;
    });
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${recorder}`, cli, 'serve', '--port', '0', '--metrics-port', '0', '--cert-dir', certDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    await new Promise<void>((resolve) => createInterface({ input: child.stdout }).on('line', (l) => l.includes('"msg":"metrics listening"') && resolve()));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const loaded = packagesOf(stderr);
    assert.ok(loaded.includes('fastify'), `the recorder sees packages: ${loaded.join(', ')}`);
    for (const heavy of ['@kubernetes/client-node', 'selfsigned']) assert.ok(!loaded.includes(heavy), `serve loaded ${heavy}`);
  });
});
