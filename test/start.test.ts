import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sendExample } from './helpers/examples.js';
import { cli, type ServeProcess, startServe } from './helpers/serve-process.js';

// The embedded default, as `npm start` runs it: the built CLI generates a local CA and serving certificate,
// loads the shipped example state, serves HTTPS on 127.0.0.1, logs JSON with pino, and stops on SIGTERM.

describe('serve: the embedded default', () => {
  const certDir = join(mkdtempSync(join(tmpdir(), 'egw-certs-')), 'certs');
  let run: ServeProcess;
  before(async () => {
    run = await startServe(['--cert-dir', certDir]);
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
    const { res, documented } = await sendExample(run.url, readFileSync(join(certDir, 'ca.crt'), 'utf8'), '/validate', 'review-policy-typo');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, documented);
    const line = await run.logLine((l) => l.msg === 'admission');
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
        rules: ['policy-gateway-ref', 'cidr-invalid'],
        dryRun: false,
        durationMs: undefined,
        msg: 'admission',
      },
    );
    assert.equal(typeof line.durationMs, 'number');
  });

  it('answers the README example: defaults for a gateway', async () => {
    const { res, documented } = await sendExample(run.url, readFileSync(join(certDir, 'ca.crt'), 'utf8'), '/mutate', 'review-gateway-defaults');
    assert.deepEqual(res.json, documented);
  });

  it('reuses the certificates on the next start, and exits 0 on SIGTERM', async () => {
    const before = readFileSync(join(certDir, 'tls.crt'), 'utf8');
    const second = await startServe(['--cert-dir', certDir]);
    assert.ok(second.logs.some((l) => l.msg === 'loaded serving certificate'));
    assert.equal(readFileSync(join(certDir, 'tls.crt'), 'utf8'), before);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});

describe('serve: usage errors', () => {
  it('an unknown flag exits 2 with one line and the way to the help', () => {
    try {
      execFileSync(process.execPath, [cli, 'serve', '--prot', '8443'], { stdio: 'pipe', encoding: 'utf8' });
      assert.fail('expected exit 2');
    } catch (e: any) {
      assert.equal(e.status, 2);
      assert.equal(e.stderr, 'error: unknown flag --prot; did you mean "--port"?\nRun "egress-gateway-webhook help serve" for usage.\n');
    }
  });
});
