// npm run bench:node-webhook: what the optional Node UPDATE webhook adds to node updates, through a real API
// server (KUBEBUILDER_ASSETS, as the e2e suite). Node PATCHes that cordon and uncordon (each one reaches the
// webhook and is answered with or without a warning) are timed with the webhook configuration absent ("off")
// and present ("on"), in alternating rounds so a slow moment of the machine lands on both. Loopback only,
// about a minute.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { EnvTest, envtestUnavailable, freePort, nodeWarningWebhookConfiguration } from '../helpers/envtest.js';
import { httpsRequest } from '../helpers/https-client.js';
import { fromRoot } from '../helpers/paths.js';
import { imageNodeFlags } from './process-stats.js';

const unavailable = envtestUnavailable();
if (unavailable) {
  console.log(`skipped: ${unavailable}`);
  process.exit(0);
}
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 6);
const perRound = Number(process.env['BENCH_REQUESTS'] ?? 100);

const env = new EnvTest();
let webhook: ChildProcess | undefined;
try {
  await env.start();
  const json = (o: unknown) => JSON.stringify(o);
  env.must(['apply', '-f', fromRoot('charts/egress-gateway-webhook/files/crds')]);
  env.must(['wait', '--for=condition=Established', 'crd/egressgateways.network.deckhouse.io']);
  env.must(['create', 'namespace', 'd8-cni-cilium']);
  const items: unknown[] = [];
  for (const n of ['egress-a', 'egress-b']) {
    items.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'dedicated/egress': '' } } });
  }
  items.push({
    apiVersion: 'network.deckhouse.io/v1alpha1',
    kind: 'EgressGateway',
    metadata: { name: 'egress-gw' },
    spec: { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } } },
  });
  env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'List', items }));
  for (const n of ['egress-a', 'egress-b']) {
    env.must(['patch', 'node', n, '--subresource=status', '--type=merge', '-p', json({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Bench', message: 'bench' }] } })]);
    for (const [name, labels] of [[`agent-${n}`, { app: 'agent', module: 'cni-cilium' }]] as const) {
      env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'd8-cni-cilium', labels }, spec: { nodeName: n, containers: [{ name: 'a', image: 'a' }] } }));
      env.must(['-n', 'd8-cni-cilium', 'patch', 'pod', name, '--subresource=status', '--type=merge', '-p', json({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })]);
    }
  }

  const port = await freePort();
  const certDir = join(env.dir, 'webhook-certs');
  webhook = spawn(process.execPath, [...imageNodeFlags, fromRoot('dist/src/cli/main.js'), 'serve', '--kubeconfig', env.kubeconfig, '--port', String(port), '--metrics-port', String(await freePort()), '--cert-dir', certDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let ca = '';
  for (const end = Date.now() + 60_000; ; ) {
    try {
      ca ||= readFileSync(join(certDir, 'ca.crt'), 'utf8');
      if ((await httpsRequest(`https://127.0.0.1:${port}/readyz`, { ca, method: 'GET' })).status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error('webhook never became ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  const configuration = json(nodeWarningWebhookConfiguration(port, ca));

  // Node PATCHes straight at the API server over one keep-alive connection, as a controller sends them.
  const token = /token: ([^\s}]+)/.exec(readFileSync(env.kubeconfig, 'utf8'))![1]!;
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  const patch = (name: string, unschedulable: boolean) =>
    new Promise<{ ms: number; warning: boolean }>((resolve, reject) => {
      const body = JSON.stringify({ spec: { unschedulable } });
      const started = performance.now();
      const req = request(
        { host: '127.0.0.1', port: env.apiPort, method: 'PATCH', path: `/api/v1/nodes/${name}`, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json' } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - started, warning: res.headers['warning'] !== undefined }) : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const off = histogram();
  const on = histogram();
  let warnings = 0;
  const measure = async (into: hdr.Histogram, count: number) => {
    for (let i = 0; i < count; i++) {
      // Cordoning egress-a leaves one eligible node: the webhook answers that with a warning.
      const r = await patch('egress-a', i % 2 === 0);
      into.recordValue(Math.round(r.ms * 1000));
      if (r.warning) warnings++;
    }
  };
  const apply = (present: boolean) => {
    if (present) env.must(['apply', '-f', '-'], configuration);
    else env.must(['delete', 'validatingwebhookconfiguration', 'egress-gateway-webhook', '--ignore-not-found']);
  };
  // Warm-up of both paths, then until the API server calls the webhook (it picks a new configuration up shortly).
  await measure(histogram(), 20);
  apply(true);
  for (let tries = 0; warnings === 0 && tries < 100; tries++) await measure(histogram(), 2);
  if (warnings === 0) throw new Error('the API server never called the webhook');
  for (let round = 0; round < rounds; round++) {
    for (const present of round % 2 === 0 ? [false, true] : [true, false]) {
      apply(present);
      // Let the API server see the configuration change before measuring.
      await new Promise((r) => setTimeout(r, 1500));
      warnings = 0;
      await measure(present ? on : off, perRound);
      if (present !== warnings > 0) throw new Error(`round ${round}: webhook ${present ? 'on' : 'off'} but ${warnings} warnings`);
    }
  }
  const row = (what: string, h: hdr.Histogram) =>
    `| ${what} | ${h.totalCount} | ${(h.getValueAtPercentile(50) / 1000).toFixed(2)} ms | ${(h.getValueAtPercentile(90) / 1000).toFixed(2)} ms | ${(h.getValueAtPercentile(99) / 1000).toFixed(2)} ms |`;
  console.log(
    [
      `node PATCH (cordon/uncordon) through kube-apiserver, ${rounds} alternating rounds of ${perRound}`,
      '',
      '| node webhook | requests | p50 | p90 | p99 |',
      '| --- | --- | --- | --- | --- |',
      row('off (no configuration)', off),
      row('on (POST /warn-node, Ignore, 2 s)', on),
      '',
      `added at p50: ${((on.getValueAtPercentile(50) - off.getValueAtPercentile(50)) / 1000).toFixed(2)} ms`,
    ].join('\n'),
  );
} finally {
  webhook?.kill('SIGTERM');
  await env.stop();
}
