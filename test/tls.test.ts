import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { describe, it } from 'node:test';
import { generateServingCertificate } from '../src/tls/certificates.js';
import { ensureLocalCertificates } from '../src/tls/local-certs.js';
import { cli, startServe } from './helpers/serve-process.js';
import { policy, reviewOf } from './helpers/webhook.js';

// Certificates as the API server needs them, and rotation without a failed request.

function certs(args: string[]) {
  return spawnSync(process.execPath, [cli, 'certs', ...args], { encoding: 'utf8' });
}

/** TLS handshake as the API server makes it: only the CA trusted, the host name checked. */
function handshake(port: number, ca: string, servername: string): Promise<{ ok: boolean; error?: string; fingerprint?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve({ ok: socket.authorized, fingerprint });
    });
    socket.on('error', (e) => resolve({ ok: false, error: e.message }));
  });
}

describe('certs command', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'egw-certs-cmd-')), 'out');
  const r = certs(['--service', 'egress-gateway-webhook', '--namespace', 'd8-system', '--out', out, '--san', 'webhook.example.com', '--san', '127.0.0.1', '--cert-days', '30']);

  it('writes ca.crt, tls.crt, tls.key and prints the caBundle', () => {
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), Buffer.from(readFileSync(join(out, 'ca.crt'))).toString('base64'));
  });

  it('openssl verifies the chain; SANs cover every Service DNS form and the extras', () => {
    execFileSync('openssl', ['verify', '-CAfile', join(out, 'ca.crt'), join(out, 'tls.crt')]);
    const cert = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    assert.equal(
      cert.subjectAltName,
      'DNS:egress-gateway-webhook, DNS:egress-gateway-webhook.d8-system, DNS:egress-gateway-webhook.d8-system.svc, DNS:egress-gateway-webhook.d8-system.svc.cluster.local, DNS:webhook.example.com, IP Address:127.0.0.1',
    );
  });

  it('key usage, sha256, EC P-256, and the validity asked for', () => {
    const text = execFileSync('openssl', ['x509', '-in', join(out, 'tls.crt'), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment/);
    assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication/);
    assert.match(text, /CA:FALSE/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /ASN1 OID: prime256v1/);
    const cert = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    const days = (new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()) / 86_400_000;
    assert.equal(Math.round(days), 30);
    const ca = execFileSync('openssl', ['x509', '-in', join(out, 'ca.crt'), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(ca, /CA:TRUE/);
    assert.match(ca, /Certificate Sign, CRL Sign/);
  });

  it('RSA 2048 on request', () => {
    const rsa = join(mkdtempSync(join(tmpdir(), 'egw-certs-rsa-')), 'out');
    assert.equal(certs(['--service', 's', '--namespace', 'n', '--out', rsa, '--key-type', 'rsa']).status, 0);
    assert.equal(new X509Certificate(readFileSync(join(rsa, 'tls.crt'))).publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it('a client that checks the host name strictly connects by the Service name, and not by another', async () => {
    const run = await startServe(['--tls-cert-file', join(out, 'tls.crt'), '--tls-key-file', join(out, 'tls.key')]);
    try {
      const port = Number(new URL(run.url).port);
      const ca = readFileSync(join(out, 'ca.crt'), 'utf8');
      assert.deepEqual((await handshake(port, ca, 'egress-gateway-webhook.d8-system.svc')).ok, true);
      const wrong = await handshake(port, ca, 'other.d8-system.svc');
      assert.equal(wrong.ok, false);
      assert.match(wrong.error!, /Hostname\/IP does not match certificate's altnames/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('usage errors exit 2', () => {
    const bad = certs(['--service', 's']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^error: --service, --namespace and --out are required/);
  });
});

describe('certificate rotation', () => {
  it('replacing mounted files under load: zero failed requests, new connections get the new certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egw-rotate-'));
    const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
    const [a, b] = await Promise.all([generateServingCertificate(names), generateServingCertificate(names)]);
    // As a Secret volume changes: the new files appear at once (rename), never half-written.
    const install = (pair: { cert: string; key: string }) => {
      writeFileSync(join(dir, 'tls.crt.new'), pair.cert);
      writeFileSync(join(dir, 'tls.key.new'), pair.key);
      renameSync(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
      renameSync(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
    };
    install(a);
    const run = await startServe(['--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', join(dir, 'tls.key'), '--tls-reload-interval', '0.1']);
    const port = Number(new URL(run.url).port);
    const bothCAs = a.ca + b.ca; // the caBundle carries old and new CA across a CA change
    const keepAlive = new Agent({ keepAlive: true, ca: bothCAs, maxSockets: 4 });
    const body = JSON.stringify(reviewOf(policy('p', { egressGatewayName: 'egress-gw', destinationCIDRs: ['0.0.0.0/0'], selectors: [{ podSelector: { matchLabels: { a: 'b' } } }] })));
    let ok = 0;
    const failures: string[] = [];
    const one = (fresh: boolean) =>
      new Promise<void>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/validate', method: 'POST', servername: 'localhost', headers: { 'content-type': 'application/json' }, ...(fresh ? { agent: false, ca: bothCAs } : { agent: keepAlive }) },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200) ok++;
              else failures.push(`HTTP ${res.statusCode}`);
              resolve();
            });
          },
        );
        req.on('error', (e) => {
          failures.push(e.message);
          resolve();
        });
        req.end(body);
      });
    const deadline = Date.now() + 2500;
    const clients = Array.from({ length: 6 }, (_, i) => (async () => {
      while (Date.now() < deadline) await one(i % 2 === 0);
    })());
    await new Promise((r) => setTimeout(r, 800));
    install(b);
    await run.logLine((l) => l.msg === 'serving certificate reloaded', 5000);
    await Promise.all(clients);
    keepAlive.destroy();
    try {
      assert.deepEqual(failures, []);
      assert.ok(ok > 100, `load ran: ${ok} requests`);
      const after = await handshake(port, bothCAs, 'localhost');
      assert.equal(after.fingerprint, new X509Certificate(b.cert).fingerprint256, 'a new connection presents the new certificate');
      console.log(`# rotation under load: ${ok} requests, ${failures.length} failed`);
      // A broken pair is refused and the current one stays.
      writeFileSync(join(dir, 'tls.key'), a.key);
      await run.logLine((l) => l.msg === 'new serving certificate refused; keeping the current one', 5000);
      assert.equal((await handshake(port, bothCAs, 'localhost')).fingerprint, new X509Certificate(b.cert).fingerprint256);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe('--cert-dir: local certificates', () => {
  it('made on first use; files that are there and cannot serve are replaced, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egw-local-'));
    const issue = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
    const first = await ensureLocalCertificates(dir, issue);
    assert.deepEqual([first.generated, first.replaced], [true, undefined]);
    assert.deepEqual(await ensureLocalCertificates(dir, issue).then((r) => [r.generated, r.replaced]), [false, undefined]);
    // A key of another pair.
    const other = await ensureLocalCertificates(mkdtempSync(join(tmpdir(), 'egw-local-')), issue);
    writeFileSync(join(dir, 'tls.key'), other.certs.key);
    assert.deepEqual((await ensureLocalCertificates(dir, issue)).replaced, 'tls.key: the key does not belong to the certificate');
    for (const f of ['ca.crt', 'tls.crt', 'tls.key']) writeFileSync(join(dir, f), 'garbage');
    assert.deepEqual((await ensureLocalCertificates(dir, issue)).replaced, 'tls.crt is not a PEM certificate');
    rmSync(join(dir, 'ca.crt'));
    assert.match((await ensureLocalCertificates(dir, issue)).replaced ?? '', /^ca\.crt could not be read \(ENOENT: /);
  });
});
