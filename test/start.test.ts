import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { httpsRequest } from './helpers/https-client.js';
import { fromRoot } from './helpers/paths.js';

// The embedded default, as `npm start` runs it: the built CLI generates a local CA and serving certificate,
// loads the shipped example state, serves HTTPS on 127.0.0.1, logs JSON with pino, and stops on SIGTERM.

const cli = fromRoot('dist/src/cli/main.js');

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  logs: any[];
}

function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const logs: any[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line in ${JSON.stringify(logs)}`)), 20_000);
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line);
      logs.push(entry);
      const m = /^Server listening at (https:\/\/127\.0\.0\.1:\d+)$/.exec(entry.msg);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, logs });
      }
    });
  });
}

/** The log line arrives on another pipe than the HTTPS answer; wait for it a little. */
async function logLine(run: Running, match: (l: any) => boolean): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const found = run.logs.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no such log line in ${JSON.stringify(run.logs)}`);
}

describe('serve: the embedded default', () => {
  const certDir = join(mkdtempSync(join(tmpdir(), 'egw-certs-')), 'certs');
  let run: Running;
  before(async () => {
    run = await start(['--cert-dir', certDir]);
  });
  after(() => run.child.kill('SIGKILL'));

  it('generates a CA and a serving certificate with SANs, sha256, EC P-256, key readable by the owner only', () => {
    execFileSync('openssl', ['verify', '-CAfile', join(certDir, 'ca.crt'), join(certDir, 'tls.crt')]);
    const cert = new X509Certificate(readFileSync(join(certDir, 'tls.crt')));
    assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const text = execFileSync('openssl', ['x509', '-in', join(certDir, 'tls.crt'), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /TLS Web Server Authentication/);
    assert.equal(statSync(join(certDir, 'tls.key')).mode & 0o777, 0o600);
    assert.ok(run.logs.some((l) => l.msg === 'generated a local CA and serving certificate' && l.level === 30));
  });

  it('refuses TLS 1.1', () => {
    const port = new URL(run.url).port;
    assert.throws(() =>
      execFileSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_1'], { input: '', stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 }),
    );
  });

  it('answers the README example: a policy with a typo in the gateway name and a CIDR with host bits', async () => {
    const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
    const res = await httpsRequest(`${run.url}/validate`, {
      ca,
      body: readFileSync(fromRoot('examples/review-policy-typo.json')),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, JSON.parse(readFileSync(fromRoot('examples/review-policy-typo.response.json'), 'utf8')));
    const line = await logLine(run, (l) => l.msg === 'admission');
    assert.deepEqual(
      { ...line, time: undefined, pid: undefined, hostname: undefined, durationMs: undefined },
      {
        level: 30,
        time: undefined,
        pid: undefined,
        hostname: undefined,
        service: 'egress-gateway-webhook',
        endpoint: 'validate',
        uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
        kind: 'EgressGatewayPolicy',
        name: 'my-egressgw-policy',
        operation: 'CREATE',
        verdict: 'denied',
        rules: ['policy-gateway-ref', 'policy-cidr'],
        dryRun: false,
        durationMs: undefined,
        msg: 'admission',
      },
    );
    assert.equal(typeof line.durationMs, 'number');
  });

  it('answers the README example: defaults for a gateway', async () => {
    const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
    const res = await httpsRequest(`${run.url}/mutate`, {
      ca,
      body: readFileSync(fromRoot('examples/review-gateway-defaults.json')),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(res.json, JSON.parse(readFileSync(fromRoot('examples/review-gateway-defaults.response.json'), 'utf8')));
  });

  it('reuses the certificates on the next start, and exits 0 on SIGTERM', async () => {
    const before = readFileSync(join(certDir, 'tls.crt'), 'utf8');
    const second = await start(['--cert-dir', certDir]);
    assert.ok(second.logs.some((l) => l.msg === 'loaded serving certificate'));
    assert.equal(readFileSync(join(certDir, 'tls.crt'), 'utf8'), before);
    const exited = new Promise<number | null>((resolve) => second.child.on('exit', resolve));
    second.child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});

describe('serve: usage errors', () => {
  it('an unknown flag exits 2 with the usage', () => {
    try {
      execFileSync(process.execPath, [cli, 'serve', '--prot', '8443'], { stdio: 'pipe', encoding: 'utf8' });
      assert.fail('expected exit 2');
    } catch (e: any) {
      assert.equal(e.status, 2);
      assert.match(e.stderr, /^error: Unknown option '--prot'/);
      assert.match(e.stderr, /Usage: egress-gateway-webhook serve/);
    }
  });

  it('a missing cluster state file exits 1 and names it', () => {
    try {
      execFileSync(process.execPath, [cli, 'serve', '--port', '0', '--cluster-state', '/nonexistent.yaml'], { stdio: 'pipe', encoding: 'utf8' });
      assert.fail('expected exit 1');
    } catch (e: any) {
      assert.equal(e.status, 1);
      assert.match(e.stderr, /^error: ENOENT: no such file or directory, open '\/nonexistent.yaml'/);
    }
  });
});
