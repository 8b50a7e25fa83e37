// npm run bench:apply: what the webhooks add to a create through a real API server (KUBEBUILDER_ASSETS, as the e2e
// suite). Server-side dry-run creates of the bench mix (a gateway, a policy, a policy the webhook denies, a gateway
// the mutating webhook fills in), one at a time over one keep-alive connection as a single kubectl would send them,
// with the webhook configurations absent ("off") and present ("on": the mutating and the validating webhook, each
// called once per create), in alternating rounds so that a slow moment of the machine lands on both. Prints the
// median and p99 of each, and of the difference on - off, per entry and over the mix; the spread is that of the
// per-round-pair differences. Loopback only, about two minutes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EnvTest, envtestUnavailable, freePort } from '../helpers/envtest.js';
import { httpsRequest } from '../helpers/https-client.js';
import { fromRoot } from '../helpers/paths.js';
import { type Spread, spreadOf } from './handler.js';
import { invalidPolicy, mutateGateway, validGateway, validPolicy } from './mix.js';
import { imageNodeFlags } from './process-stats.js';
import { writeClusterState } from './state.js';

const unavailable = envtestUnavailable();
if (unavailable) {
  console.log(`skipped: ${unavailable}`);
  process.exit(0);
}
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 6);
const perRound = Number(process.env['BENCH_REQUESTS'] ?? 200);

const entries = [
  { label: 'EgressGateway, allowed', plural: 'egressgateways', object: validGateway },
  { label: 'EgressGatewayPolicy, allowed', plural: 'egressgatewaypolicies', object: validPolicy },
  { label: 'EgressGatewayPolicy, denied by the webhook', plural: 'egressgatewaypolicies', object: invalidPolicy },
  { label: 'EgressGateway, defaulted by the webhook', plural: 'egressgateways', object: mutateGateway },
];

function configurations(port: number, caBundle: string): string {
  const hook = (name: string, path: string) => ({
    name,
    clientConfig: { url: `https://127.0.0.1:${port}${path}`, caBundle },
    rules: [{ apiGroups: ['network.deckhouse.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['egressgateways', 'egressgatewaypolicies'], scope: 'Cluster' }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    failurePolicy: 'Fail',
    timeoutSeconds: 5,
  });
  const meta = { name: 'egress-gateway-webhook-bench' };
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: meta, webhooks: [hook('mutate.egress-gateway.network.deckhouse.io', '/mutate')] },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: meta, webhooks: [hook('validate.egress-gateway.network.deckhouse.io', '/validate')] },
    ],
  });
}

const env = new EnvTest();
let webhook: ChildProcess | undefined;
try {
  await env.start();
  env.must(['apply', '-f', fromRoot('charts/egress-gateway-webhook/files/crds')]);
  env.must(['wait', '--for=condition=Established', 'crd/egressgateways.network.deckhouse.io', 'crd/egressgatewaypolicies.network.deckhouse.io']);

  // The webhook as it runs in a cluster (serve), with the bench's cluster state (gateway gw-1 exists), logging at
  // info to a file nobody reads.
  const dir = mkdtempSync(join(tmpdir(), 'egw-apply-'));
  const port = await freePort();
  const certDir = join(dir, 'certs');
  webhook = spawn(
    process.execPath,
    [...imageNodeFlags, fromRoot('dist/src/cli/main.js'), 'serve', '--cluster-state', writeClusterState(dir, 10), '--port', String(port), '--metrics-port', String(await freePort()), '--cert-dir', certDir],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const webhookUrl = `https://127.0.0.1:${port}`;
  let ca = '';
  for (let i = 0; ; i++) {
    try {
      ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
      if ((await httpsRequest(`${webhookUrl}/readyz`, { ca, method: 'GET' })).status === 200) break;
    } catch {
      // not yet
    }
    if (i > 150) throw new Error('the webhook did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  const configFile = join(dir, 'webhooks.json');
  writeFileSync(configFile, configurations(port, Buffer.from(ca).toString('base64')));

  // One keep-alive connection to the API server, as one kubectl has.
  const token = /token: ([^}\s]+)/.exec(readFileSync(env.kubeconfig, 'utf8'))![1]!;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const create = (plural: string, object: unknown): Promise<{ status: number; ms: number; body: string }> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(object);
      const t0 = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port: env.apiPort,
          method: 'POST',
          path: `/apis/network.deckhouse.io/v1alpha1/${plural}?dryRun=All`,
          agent,
          rejectUnauthorized: false,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  // The API server picks up a webhook configuration change from its own watch: wait until the denial shows (or
  // stops showing) before timing.
  const denied = async () => (await create('egressgatewaypolicies', invalidPolicy)).status === 422;
  const setWebhooks = async (on: boolean) => {
    env.must(on ? ['apply', '-f', configFile] : ['delete', '--ignore-not-found', '-f', configFile]);
    for (let i = 0; (await denied()) !== on; i++) {
      if (i > 100) throw new Error(`webhooks ${on ? 'on' : 'off'}: the API server did not follow`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const samples = { on: entries.map(() => [] as number[]), off: entries.map(() => [] as number[]) };
  const roundMedians: { on: number[]; off: number[] }[] = [];
  const statuses = { on: new Map<string, number>(), off: new Map<string, number>() };
  for (let r = 0; r < rounds; r++) {
    const medians = { on: [] as number[], off: [] as number[] };
    // Alternate which state goes first, so neither always follows a configuration change.
    for (const state of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      await setWebhooks(state === 'on');
      for (let i = 0; i < 20; i++) await create(entries[i % 4]!.plural, entries[i % 4]!.object); // warm the path
      const times: number[] = [];
      for (let i = 0; i < perRound; i++) {
        const e = entries[i % entries.length]!;
        const res = await create(e.plural, e.object);
        const key = `${e.label}: ${res.status}`;
        statuses[state].set(key, (statuses[state].get(key) ?? 0) + 1);
        samples[state][i % entries.length]!.push(res.ms);
        times.push(res.ms);
      }
      medians[state].push(spreadOf(times).median);
    }
    roundMedians.push({ on: medians.on, off: medians.off });
  }

  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  };
  const all = (state: 'on' | 'off') => samples[state].flat();
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const pairDiffs: Spread = spreadOf(roundMedians.map((m) => m.on[0]! - m.off[0]!));
  const lines = [
    `kube-apiserver ${env.kubernetesVersion()} and etcd on loopback, Node ${process.version}; ${rounds} rounds of ${perRound} dry-run creates per state, one at a time`,
    '',
    '| create (server-side dry run) | webhooks off: median / p99 | on: median / p99 | added: median / p99 |',
    '| --- | --- | --- | --- |',
    ...entries.map((e, i) => {
      const off = samples.off[i]!;
      const on = samples.on[i]!;
      return `| ${e.label} | ${ms(quantile(off, 0.5))} / ${ms(quantile(off, 0.99))} | ${ms(quantile(on, 0.5))} / ${ms(quantile(on, 0.99))} | ${ms(quantile(on, 0.5) - quantile(off, 0.5))} / ${ms(quantile(on, 0.99) - quantile(off, 0.99))} |`;
    }),
    `| **the mix** | ${ms(quantile(all('off'), 0.5))} / ${ms(quantile(all('off'), 0.99))} | ${ms(quantile(all('on'), 0.5))} / ${ms(quantile(all('on'), 0.99))} | **${ms(quantile(all('on'), 0.5) - quantile(all('off'), 0.5))} / ${ms(quantile(all('on'), 0.99) - quantile(all('off'), 0.99))}** |`,
    '',
    `added median per round pair (on - off, same round): ${ms(pairDiffs.median)} (${ms(pairDiffs.min)} to ${ms(pairDiffs.max)})`,
    `statuses: off ${JSON.stringify(Object.fromEntries(statuses.off))}; on ${JSON.stringify(Object.fromEntries(statuses.on))}`,
  ];
  console.log(lines.join('\n'));
  agent.destroy();
} finally {
  webhook?.kill('SIGTERM');
  await env.stop();
}
