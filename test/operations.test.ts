import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { describe, it } from 'node:test';
import { httpsRequest } from './helpers/https-client.js';
import { fromRoot } from './helpers/paths.js';
import { startServe } from './helpers/serve-process.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { buildApp } from '../src/server/app.js';
import { pino } from 'pino';
import { exampleState, gateway, policy, reviewOf, testCertificates } from './helpers/webhook.js';
import { fetchText } from './helpers/http-get.js';

// Operations (SPEC §7): metrics on their own port, graceful shutdown under load, slow clients. Loopback only,
// every loop bounded in count and time.

const post = (url: string, ca: string, body: unknown) =>
  httpsRequest(url, { ca, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('metrics', () => {
  it('GET /metrics after a few reviews: counters by kind, operation and verdict, a latency histogram, rules', async () => {
    const certDir = join(mkdtempSync(join(tmpdir(), 'egw-metrics-')), 'certs');
    const run = await startServe(['--cert-dir', certDir]);
    try {
      const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
      const typo = JSON.parse(readFileSync(fromRoot('examples/review-policy-typo.json'), 'utf8'));
      assert.equal((await post(`${run.url}/validate`, ca, typo)).json.response.allowed, false);
      const ok = reviewOf(policy('p', { egressGatewayName: 'egress-gw', destinationCIDRs: ['0.0.0.0/0'], selectors: [] }));
      assert.equal((await post(`${run.url}/validate`, ca, ok)).json.response.warnings.length, 1);
      await post(`${run.url}/mutate`, ca, reviewOf(gateway('gw', { sourceIP: { virtualIPAddress: { ip: '172.18.18.99' } } })));
      assert.equal((await httpsRequest(`${run.url}/validate`, { ca, body: '{', headers: { 'content-type': 'application/json' } })).status, 400);

      const text = await fetchText(run.metricsUrl);
      const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}`);
      has('egress_gateway_webhook_admission_requests_total{endpoint="validate",kind="EgressGatewayPolicy",operation="CREATE",verdict="denied"} 1');
      has('egress_gateway_webhook_admission_requests_total{endpoint="validate",kind="EgressGatewayPolicy",operation="CREATE",verdict="allowed"} 1');
      has('egress_gateway_webhook_admission_requests_total{endpoint="mutate",kind="EgressGateway",operation="CREATE",verdict="allowed"} 1');
      has('egress_gateway_webhook_admission_duration_seconds_count{endpoint="validate",kind="EgressGatewayPolicy"} 2');
      has('egress_gateway_webhook_admission_duration_seconds_bucket{le="+Inf",endpoint="validate",kind="EgressGatewayPolicy"} 2');
      has('egress_gateway_webhook_denials_total{rule="policy-gateway-ref"} 1');
      has('egress_gateway_webhook_denials_total{rule="cidr-invalid"} 1');
      has('egress_gateway_webhook_warnings_total{rule="selectors-empty"} 1');
      has('egress_gateway_webhook_bad_requests_total{endpoint="/validate",code="400"} 1');
      const expiry = new Date(new X509Certificate(readFileSync(join(certDir, 'tls.crt'))).validTo).getTime() / 1000;
      has(`egress_gateway_webhook_certificate_expiry_timestamp_seconds ${expiry}`);
      assert.match(text, /^egress_gateway_webhook_process_cpu_user_seconds_total \d/m, 'default process metrics');
      assert.match(text, /^# TYPE egress_gateway_webhook_admission_duration_seconds histogram$/m);
      assert.ok(!text.includes('egress_gateway_webhook_cache_synced'), 'no cache metrics with file-backed state');
      const expiryLog = await run.logLine((l) => l.msg === 'serving certificate expiry');
      assert.ok(expiryLog.secondsLeft > 364 * 86400);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM during a running load: /readyz fails at once, no request sent before the signal fails, exit 0', async () => {
    const certDir = join(mkdtempSync(join(tmpdir(), 'egw-term-')), 'certs');
    const run = await startServe(['--cert-dir', certDir, '--shutdown-delay', '1', '--shutdown-grace-period', '5']);
    const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
    const agent = new Agent({ keepAlive: true, ca, maxSockets: 8 });
    const body = JSON.stringify(reviewOf(policy('p', { egressGatewayName: 'egress-gw', destinationCIDRs: ['10.0.0.0/8'], selectors: [{ podSelector: { matchLabels: { a: 'b' } } }] })));
    const results: { sentAt: number; ok: boolean; error?: string }[] = [];
    const once = () =>
      new Promise<void>((resolve) => {
        const sentAt = Date.now();
        const req = request(`${run.url}/validate`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            results.push({ sentAt, ok: res.statusCode === 200 && JSON.parse(text).response?.allowed === true });
            resolve();
          });
        });
        req.on('error', (e) => {
          results.push({ sentAt, ok: false, error: e.message });
          resolve();
        });
        req.end(body);
      });
    let signalAt = Number.POSITIVE_INFINITY;
    const deadline = Date.now() + 3000;
    // 8 keep-alive clients, each sending back to back until the deadline or until the server is gone.
    const clients = Array.from({ length: 8 }, async () => {
      while (Date.now() < deadline && run.child.exitCode === null) await once();
    });
    await new Promise((r) => setTimeout(r, 700));
    run.child.kill('SIGTERM');
    signalAt = Date.now();
    const ready = await httpsRequest(`${run.url}/readyz`, { ca, method: 'GET' });
    assert.deepEqual([ready.status, ready.json], [503, { status: 'not ready', reasons: ['shutting down'] }]);
    await Promise.all(clients);
    assert.equal(await run.exited, 0);
    agent.destroy();
    const before = results.filter((r) => r.sentAt < signalAt);
    const after = results.filter((r) => r.sentAt >= signalAt);
    assert.ok(before.length > 50, `load ran: ${before.length} requests before the signal`);
    assert.deepEqual(before.filter((r) => !r.ok), [], 'no request sent before SIGTERM failed');
    // For the record (the closing note quotes it): what happened after the signal.
    console.log(`# SIGTERM under load: ${before.length} requests before the signal, 0 failed; ${after.length} after, ${after.filter((r) => !r.ok).length} failed`);
  });
});

describe('slow clients', () => {
  /** The webhook on loopback with these limits, as an operator could set them with the serve flags. */
  const serverWith = async (limits: NonNullable<Parameters<typeof buildApp>[0]['limits']>) => {
    const tls = await testCertificates();
    const app = await buildApp({ tls, logger: pino({ level: 'silent' }), state: await exampleState(), config: defaultRulesConfig, limits });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { tls, app, port: (app.server.address() as { port: number }).port };
  };

  it('bodies over 16 KiB that stall hold no more than --body-bytes-in-flight: the next large one gets 429, small ones pass, the bytes come back', async () => {
    const { tls, app, port } = await serverWith({ bodyLimit: 40_000, bodyBytesInFlight: 80_000 });
    const url = `https://localhost:${port}/validate`;
    const stalled = (length: number) => {
      const socket = connect({ host: '127.0.0.1', port, ca: tls.ca, servername: 'localhost' });
      socket.on('error', () => undefined);
      // Headers and all of the body but its last byte: the server has reserved it and waits for the rest.
      socket.write(`POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${'['.repeat(length - 1)}`);
      return socket;
    };
    const padded = gateway('gw', { nodeSelector: {}, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '172.18.18.99' } } });
    (padded.metadata as Record<string, unknown>)['annotations'] = { note: 'x'.repeat(20_000) };
    // About 20,400 bytes: counted (over 16 KiB), more than the 5,000 the stalled bodies leave, less than the limit.
    const body = JSON.stringify(reviewOf(padded));
    const send = () => httpsRequest(url, { ca: tls.ca, body, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });
    try {
      const held = [stalled(40_000), stalled(35_000)];
      // Let the server read both: their 75,000 bytes leave 5,000 free.
      for (let i = 0; i < 50 && (await send()).status !== 429; i++) await new Promise((r) => setTimeout(r, 20));
      const refused = await send();
      assert.equal(refused.status, 429, refused.text);
      assert.deepEqual(refused.json, { error: 'Too Many Requests', message: 'request bodies in progress, counted at their declared length, exceed 80000 bytes in all; retry shortly' });
      // With its length, as the API server sends it (a body sent in chunks is counted at the body limit).
      const smallBody = JSON.stringify(reviewOf(gateway('gw', { nodeSelector: {}, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '172.18.18.99' } } })));
      const small = await httpsRequest(url, { ca: tls.ca, body: smallBody, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(smallBody)) } });
      assert.equal(small.status, 200, small.text);
      assert.equal(refused.headers['retry-after'], '1');
      // A body without a length is reserved at the body limit.
      const chunked = await httpsRequest(url, { ca: tls.ca, body, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
      assert.equal(chunked.status, 429);
      held[0]!.destroy();
      let after = await send();
      for (let i = 0; i < 50 && after.status === 429; i++) {
        await new Promise((r) => setTimeout(r, 20));
        after = await send();
      }
      assert.equal(after.status, 200, after.text);
      assert.equal(after.json.response.allowed, true);
      held[1]!.destroy();
    } finally {
      await app.close();
    }
  });

  it('slow-loris connections are cut at the headers timeout and do not starve others', async () => {
    // Short limits, as an operator could set them with --headers-timeout and --request-timeout.
    const { tls, app, port } = await serverWith({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    try {
      const closedAfter: number[] = [];
      const opened = Date.now();
      const slow = Array.from({ length: 40 }, () => {
        const socket = connect({ host: '127.0.0.1', port, ca: tls.ca, servername: 'localhost' });
        let n = 0;
        const header = 'POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Slow: ';
        const drip = setInterval(() => {
          if (socket.writable) socket.write(header[n++ % header.length]!);
        }, 100);
        socket.on('error', () => undefined);
        return new Promise<void>((resolve) =>
          socket.on('close', () => {
            clearInterval(drip);
            closedAfter.push(Date.now() - opened);
            resolve();
          }),
        );
      });
      const body = JSON.stringify(reviewOf(gateway('gw', { nodeSelector: {}, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '172.18.18.99' } } })));
      let answered = 0;
      for (let i = 0; i < 40; i++) {
        const r = await httpsRequest(`https://localhost:${port}/validate`, { ca: tls.ca, body, headers: { 'content-type': 'application/json' } });
        if (r.status === 200 && r.json.response.allowed === true) answered++;
      }
      assert.equal(answered, 40, 'every normal request answered while 40 slow clients hold connections');
      const cut = await Promise.race([Promise.all(slow).then(() => true), new Promise((r) => setTimeout(() => r(false), 8000))]);
      assert.equal(cut, true, 'the server closed every slow connection');
      assert.equal(closedAfter.length, 40);
    } finally {
      await app.close();
    }
  });
});
