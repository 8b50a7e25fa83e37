import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assetsDir, EnvTest, envtestUnavailable, freePort, nodeWarningWebhookConfiguration } from './helpers/envtest.js';
import { httpsRequest } from './helpers/https-client.js';
import { fromRoot } from './helpers/paths.js';

// Maintenance through a real API server: the Node UPDATE webhook registered as the chart registers it (Ignore,
// 2 s) and kubectl's own cordon and drain; `explain --without-node` asked before a drain, and `explain` asked
// after the drain really happened, must agree. Skipped, with one line, without KUBEBUILDER_ASSETS.

const skip = envtestUnavailable();
const cli = fromRoot('dist/src/cli/main.js');
const json = (o: unknown) => JSON.stringify(o);

describe('maintenance through a real API server: node warnings and what-if', { skip }, () => {
  const env = new EnvTest();
  let webhook: ChildProcess;

  const node = (name: string, labels: Record<string, string>) => {
    env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } }));
    const status = { conditions: [{ type: 'Ready', status: 'True', reason: 'Test', message: 'set by the e2e suite' }] };
    env.must(['patch', 'node', name, '--subresource=status', '--type=merge', '-p', json({ status })]);
  };
  const daemonSets: Record<string, string> = {};
  /** An agent pod as its DaemonSet would create it: drain --ignore-daemonsets leaves it, as it leaves Cilium's. */
  const agent = (ds: string, nodeName: string, labels: Record<string, string>) => {
    const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds, uid: daemonSets[ds], controller: true };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${ds}-${nodeName}`, namespace: 'd8-cni-cilium', labels, ownerReferences: [owner] }, spec: { nodeName, containers: [{ name: 'agent', image: 'agent' }] } };
    env.must(['apply', '-f', '-'], json(pod));
    env.must(['-n', 'd8-cni-cilium', 'patch', 'pod', pod.metadata.name, '--subresource=status', '--type=merge', '-p', json({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })]);
  };
  const explain = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, 'explain', ...args, '--kubeconfig', env.kubeconfig, '-o', 'json'], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout ? JSON.parse(r.stdout) : undefined, err: r.stderr };
  };

  before(async () => {
    await env.start();
    env.must(['apply', '-f', fromRoot('charts/egress-gateway-webhook/files/crds')]);
    env.must(['wait', '--for=condition=Established', 'crd/egressgateways.network.deckhouse.io', 'crd/egressgatewaypolicies.network.deckhouse.io']);
    env.must(['create', 'namespace', 'd8-cni-cilium']);
    for (const [ds, labels] of [
      ['agent', { app: 'agent', module: 'cni-cilium' }],
      ['egress-gateway-agent', { app: 'egress-gateway-agent' }],
    ] as const) {
      const spec = { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'agent', image: 'agent' }] } } };
      env.must(['apply', '-f', '-'], json({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: ds, namespace: 'd8-cni-cilium' }, spec }));
      daemonSets[ds] = env.must(['-n', 'd8-cni-cilium', 'get', 'daemonset', ds, '-o', 'jsonpath={.metadata.uid}']);
    }
    for (const n of ['egress-a', 'egress-b', 'egress-c']) node(n, { 'dedicated/egress': '' });
    node('egress-s', { solo: 's' });
    for (const n of ['egress-a', 'egress-b', 'egress-c', 'egress-s']) {
      agent('agent', n, { app: 'agent', module: 'cni-cilium' });
      agent('egress-gateway-agent', n, { app: 'egress-gateway-agent' });
    }
    const gw = (name: string, nodeSelector: Record<string, string>, sourceIP: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name }, spec: { nodeSelector, sourceIP } });
    const pol = (name: string, gateway: string) => ({
      apiVersion: 'network.deckhouse.io/v1alpha1',
      kind: 'EgressGatewayPolicy',
      metadata: { name },
      spec: { egressGatewayName: gateway, destinationCIDRs: ['0.0.0.0/0'], selectors: [{ podSelector: { matchLabels: { app: name } } }] },
    });
    const items = [
      gw('office', { 'dedicated/egress': '' }, { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } }),
      gw('solo', { solo: 's' }, { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '192.0.2.100' } }),
      pol('office-web', 'office'),
      pol('solo-all', 'solo'),
    ];
    env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'List', items }));

    // The webhook, with the Node UPDATE webhook registered as the chart's nodeWarnings does (no matchConditions:
    // this API server predates them, so the webhook itself passes over updates that change nothing relevant).
    const port = await freePort();
    const certDir = join(env.dir, 'webhook-certs');
    webhook = spawn(process.execPath, [cli, 'serve', '--kubeconfig', env.kubeconfig, '--port', String(port), '--metrics-port', String(await freePort()), '--cert-dir', certDir, '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let ca = '';
    const end = Date.now() + 60_000;
    for (;;) {
      try {
        ca ||= readFileSync(join(certDir, 'ca.crt'), 'utf8');
        const r = await httpsRequest(`https://127.0.0.1:${port}/readyz`, { ca, method: 'GET' });
        if (r.status === 200) break;
      } catch {
        // not up yet
      }
      if (Date.now() > end) throw new Error('webhook never became ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    env.must(['apply', '-f', '-'], json(nodeWarningWebhookConfiguration(port, ca)));
  });

  after(async () => {
    webhook?.kill('SIGTERM');
    await env.stop();
  });

  it('kubectl cordon of the only eligible node prints the warning; uncordon prints none', () => {
    // The API server may take a moment to start calling a new webhook configuration.
    let r = env.kubectl(['cordon', 'egress-s']);
    for (let i = 0; i < 20 && !r.stderr.includes('Warning:'); i++) {
      env.must(['uncordon', 'egress-s']);
      spawnSync('sleep', ['0.5']);
      r = env.kubectl(['cordon', 'egress-s']);
    }
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'Warning: EgressGateway solo loses egress: egress-s cordoned, no standby remains; policies: solo-all\n');
    assert.equal(r.stdout, 'node/egress-s cordoned\n');
    const u = env.kubectl(['uncordon', 'egress-s']);
    assert.deepEqual([u.code, u.stderr, u.stdout], [0, '', 'node/egress-s uncordoned\n']);
  });

  it('cordoning one of three: no warning; of the last two: the standby warning names the policy', () => {
    const a = env.kubectl(['cordon', 'egress-a']);
    assert.deepEqual([a.code, a.stderr], [0, '']);
    const b = env.kubectl(['cordon', 'egress-b']);
    assert.equal(b.stderr, 'Warning: EgressGateway office has no standby left: egress-b cordoned, only egress-c remains; policies: office-web\n');
    env.must(['uncordon', 'egress-a', 'egress-b']);
  });

  it("the README's session of kubectl egress explain gateway is what the plugin prints", () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    const command = '$ kubectl egress explain gateway egress-gw\n';
    const start = readme.indexOf(command);
    assert.ok(start > 0, 'README has the session');
    const shown = readme.slice(start + command.length, readme.indexOf('```', start));
    // The README's cluster: egress-c cordoned, and what the platform writes after electing egress-b.
    env.must(['cordon', 'egress-c']);
    const vip = { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '203.0.113.10' } };
    const items = [
      { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'egress-gw' }, spec: { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip } },
      {
        apiVersion: 'network.deckhouse.io/v1alpha1',
        kind: 'EgressGatewayPolicy',
        metadata: { name: 'backend' },
        spec: { egressGatewayName: 'egress-gw', destinationCIDRs: ['0.0.0.0/0'], excludedCIDRs: ['10.0.0.0/8'], selectors: [{ podSelector: { matchLabels: { app: 'backend', 'io.kubernetes.pod.namespace': 'shop' } } }] },
      },
    ];
    env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'List', items }));
    env.must(['label', 'node', 'egress-b', 'egress-gateway.network.deckhouse.io/active-for-egress-gw=']);
    const status = { activeNodeName: 'egress-b', readyNodes: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'ElectionSucceedAndVirtualIPAnnounced', message: '', lastTransitionTime: '2026-11-26T09:00:00Z' }] };
    env.must(['patch', 'egressgateway', 'egress-gw', '--subresource=status', '--type=merge', '-p', json({ status })]);
    try {
      const plugin = fromRoot('dist/src/cli/kubectl-egress.js');
      chmodSync(plugin, 0o755); // what npm does for a bin entry on install
      const bin = join(env.dir, 'bin');
      mkdirSync(bin, { recursive: true });
      if (!existsSync(join(bin, 'kubectl-egress'))) symlinkSync(plugin, join(bin, 'kubectl-egress'));
      const PATH = [bin, dirname(process.execPath), process.env['PATH']].join(delimiter);
      const r = spawnSync(join(assetsDir!, 'kubectl'), ['egress', 'explain', 'gateway', 'egress-gw'], { encoding: 'utf8', env: { ...process.env, PATH, KUBECONFIG: env.kubeconfig } });
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, shown);
    } finally {
      env.must(['delete', 'egressgatewaypolicy', 'backend']);
      env.must(['delete', 'egressgateway', 'egress-gw']);
      env.must(['label', 'node', 'egress-b', 'egress-gateway.network.deckhouse.io/active-for-egress-gw-']);
      env.must(['uncordon', 'egress-c']);
    }
  });

  const drains: [string[], Record<string, string>][] = [
    [['egress-a'], { office: 'keeps a standby' }],
    [['egress-a', 'egress-b'], { office: 'no standby left' }],
    [['egress-s'], { solo: 'loses egress' }],
    [['egress-a', 'egress-b', 'egress-c'], { office: 'loses egress' }],
  ];
  for (const [drained, outcomes] of drains) {
    it(`what-if --without-node ${drained.join(' ')} matches explain after kubectl drain really ran`, () => {
      const asked = explain('node', drained[0]!, ...drained.flatMap((n) => ['--without-node', n]));
      assert.equal(asked.err, '');
      const predicted = asked.out.whatIf;
      assert.deepEqual(Object.fromEntries(predicted.gateways.map((g: { gateway: string; outcome: string }) => [g.gateway, g.outcome])), outcomes);
      assert.equal(asked.code, predicted.losesEgress ? 1 : 0);
      try {
        for (const n of drained) env.must(['drain', n, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s']);
        for (const g of predicted.gateways) {
          const now = explain('gateway', g.gateway);
          assert.equal(now.code, 0, now.err);
          const eligible = now.out.nodes.filter((n: { eligible: boolean }) => n.eligible).map((n: { name: string }) => n.name).sort();
          assert.deepEqual(eligible, g.eligibleAfter, `${g.gateway} after draining ${drained.join(', ')}`);
          assert.equal(now.out.active.predicted, g.activeAfter ?? null);
          for (const n of now.out.nodes) if (drained.includes(n.name)) assert.deepEqual(n.reasons, ['cordoned']);
        }
        assert.equal(predicted.losesEgress, Object.values(outcomes).includes('loses egress'));
      } finally {
        env.must(['uncordon', ...drained]);
      }
    });
  }
});
