import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { LeaseElector } from '../src/server/lease.js';
import { render } from './helpers/chart.js';
import { EnvTest, envtestUnavailable, freePort } from './helpers/envtest.js';
import { fromRoot } from './helpers/paths.js';

// The audit end to end through a real API server: the webhook runs as `serve --kubeconfig`, nothing is admitted
// through it (the objects were there before it), and what an operator sees is read back with kubectl and from
// /metrics: the report, the event, the metric. Skipped, with one line, without KUBEBUILDER_ASSETS.

const skip = envtestUnavailable();
const json = (o: unknown) => JSON.stringify(o);
const egress = { 'dedicated/egress': '' };

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** The value of one series, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('audit end to end through a real API server', { skip }, () => {
  const env = new EnvTest();
  let webhook: ChildProcess;
  let metricsPort = 0;

  const eventually = async (what: string, check: () => boolean | Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const node = (name: string, labels: Record<string, string>, ip: string) => {
    env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } }));
    const status = { conditions: [{ type: 'Ready', status: 'True', reason: 'Test', message: 'set by the e2e suite' }], addresses: [{ type: 'InternalIP', address: ip }] };
    env.must(['patch', 'node', name, '--subresource=status', '--type=merge', '-p', json({ status })]);
  };
  const agent = (name: string, nodeName: string, labels: Record<string, string>) => {
    env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'd8-cni-cilium', labels }, spec: { nodeName, containers: [{ name: 'agent', image: 'agent' }] } }));
    env.must(['-n', 'd8-cni-cilium', 'patch', 'pod', name, '--subresource=status', '--type=merge', '-p', json({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })]);
  };
  const report = (uid: string) => {
    const r = env.kubectl(['get', 'clusterpolicyreport', `egress-gateway-webhook-${uid}`, '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.stdout) : undefined;
  };
  const failing = (rep: any) => (rep?.results ?? []).filter((x: any) => x.result !== 'pass').map((x: any) => `${x.result} ${x.rule}`);
  const events = (reason: string) =>
    JSON.parse(env.must(['get', 'events', '-n', 'default', '--field-selector', `reason=${reason},involvedObject.name=egress-gw`, '-o', 'json'])).items as any[];

  before(async () => {
    await env.start();
    env.must(['apply', '-f', fromRoot('charts/egress-gateway-webhook/files/crds'), '-f', fromRoot('test/fixtures/crds/wgpolicyk8s.io_clusterpolicyreports.yaml')]);
    env.must(['wait', '--for=condition=Established', 'crd/egressgateways.network.deckhouse.io', 'crd/egressgatewaypolicies.network.deckhouse.io', 'crd/clusterpolicyreports.wgpolicyk8s.io']);
    env.must(['create', 'namespace', 'd8-cni-cilium']);
    node('egress-a', egress, '192.0.2.11');
    node('egress-b', egress, '192.0.2.12');
    for (const n of ['egress-a', 'egress-b']) agent(`agent-${n}`, n, { app: 'agent', module: 'cni-cilium' });
    // Stored before the webhook runs: never admitted by it.
    env.must(['apply', '-f', '-'], json({
      apiVersion: 'network.deckhouse.io/v1alpha1',
      kind: 'EgressGateway',
      metadata: { name: 'egress-gw' },
      spec: { nodeSelector: egress, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } } },
    }));

    metricsPort = await freePort();
    webhook = spawn(
      process.execPath,
      [
        fromRoot('dist/src/cli/main.js'), 'serve', '--kubeconfig', env.kubeconfig, '--port', String(await freePort()), '--metrics-port', String(metricsPort),
        '--cert-dir', join(env.dir, 'webhook-certs'), '--namespace', 'default', '--audit-debounce', '0.2', '--log-level', 'warn',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  });

  after(async () => {
    webhook?.kill('SIGTERM');
    await env.stop();
  });

  it('an object stored before the webhook ran gets a report with every rule of its kind passing', async () => {
    const uid = env.must(['get', 'egressgateway', 'egress-gw', '-o', 'jsonpath={.metadata.uid}']);
    await eventually('the report', () => report(uid) !== undefined);
    const rep = report(uid);
    assert.deepEqual(rep.scope, { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', name: 'egress-gw', uid });
    assert.deepEqual(failing(rep), []);
    assert.equal(rep.summary.fail + rep.summary.warn, 0);
    assert.ok(rep.results.some((r: any) => r.rule === 'gateway-no-matching-node' && r.result === 'pass' && r.policy === 'egress-gateway-webhook'));
    const lease = JSON.parse(env.must(['get', 'lease', '-n', 'default', 'egress-gateway-webhook-audit', '-o', 'json']));
    assert.ok(lease.spec.holderIdentity, 'a replica holds the audit lease');
  });

  it('removing the label of the last eligible node shows in the report, an event and the metric; restoring it clears them', async () => {
    const uid = env.must(['get', 'egressgateway', 'egress-gw', '-o', 'jsonpath={.metadata.uid}']);
    const eligible = async () => sample(await scrape(metricsPort), 'egress_gateway_webhook_gateway_eligible_nodes{gateway="egress-gw"}');
    await eventually('2 eligible nodes in the metric', async () => (await eligible()) === 2);

    env.must(['label', 'node', 'egress-b', 'dedicated/egress-']);
    await eventually('the single-node warning', () => failing(report(uid)).join() === 'warn gateway-single-node');
    env.must(['label', 'node', 'egress-a', 'dedicated/egress-']);
    await eventually('the report of no matching node', () => failing(report(uid)).join() === 'warn gateway-no-matching-node');
    const result = report(uid).results.find((r: any) => r.rule === 'gateway-no-matching-node');
    assert.equal(result.severity, 'medium');
    assert.equal(result.message, "no node matches spec.nodeSelector dedicated/egress=; traffic of this gateway's policies is dropped until one does");
    await eventually('the Warning event', () => events('gateway-no-matching-node').some((e) => e.type === 'Warning'));
    const warning = events('gateway-no-matching-node').find((e) => e.type === 'Warning');
    assert.equal(warning.message, result.message);
    assert.equal(warning.involvedObject.kind, 'EgressGateway');
    assert.equal(warning.involvedObject.uid, uid);
    const text = await scrape(metricsPort);
    assert.equal(sample(text, 'egress_gateway_webhook_gateway_eligible_nodes{gateway="egress-gw"}'), 0);
    assert.equal(sample(text, 'egress_gateway_webhook_gateway_has_standby{gateway="egress-gw"}'), 0);
    assert.equal(sample(text, 'egress_gateway_webhook_audit_findings{rule="gateway-no-matching-node",severity="warn",kind="EgressGateway"}'), 1);

    env.must(['label', 'node', 'egress-a', 'dedicated/egress=']);
    env.must(['label', 'node', 'egress-b', 'dedicated/egress=']);
    await eventually('the report to clear', () => {
      const rep = report(uid);
      return failing(rep).length === 0 && rep.summary.warn === 0;
    });
    await eventually('the Normal event saying it cleared', () => events('gateway-no-matching-node').some((e) => e.type === 'Normal'));
    assert.match(events('gateway-no-matching-node').find((e) => e.type === 'Normal').message, /^resolved: no node matches/);
    await eventually('the metric to clear', async () => (await eligible()) === 2);
    const cleared = await scrape(metricsPort);
    assert.equal(sample(cleared, 'egress_gateway_webhook_gateway_has_standby{gateway="egress-gw"}'), 1);
    assert.equal(sample(cleared, 'egress_gateway_webhook_audit_findings{rule="gateway-no-matching-node",severity="warn",kind="EgressGateway"}'), undefined);
  });

  it('a policy naming a missing gateway is a deny-level finding; its report goes when the policy goes', async () => {
    env.must(['apply', '-f', '-'], json({
      apiVersion: 'network.deckhouse.io/v1alpha1',
      kind: 'EgressGatewayPolicy',
      metadata: { name: 'orphan' },
      spec: { egressGatewayName: 'egress-gv', destinationCIDRs: ['203.0.113.0/24'], selectors: [{ podSelector: { matchLabels: { app: 'backend' } } }] },
    }));
    const uid = env.must(['get', 'egressgatewaypolicy', 'orphan', '-o', 'jsonpath={.metadata.uid}']);
    await eventually('the failing report', () => failing(report(uid)).join() === 'fail policy-gateway-ref');
    const result = report(uid).results.find((r: any) => r.rule === 'policy-gateway-ref');
    assert.equal(result.message, 'spec.egressGatewayName: Not found: "egress-gv": no EgressGateway has this name; did you mean "egress-gw"?');
    assert.deepEqual(result.properties, { field: 'spec.egressGatewayName' });
    assert.equal(result.severity, 'high');

    // The CLI, on the same cluster: the same finding, exit code 1.
    const cli = spawnSync(process.execPath, [fromRoot('dist/src/cli/main.js'), 'audit', '--kubeconfig', env.kubeconfig], { encoding: 'utf8' });
    assert.equal(cli.stderr, '');
    assert.deepEqual(cli.stdout.split('\n'), [
      'KIND                 NAME    SEVERITY  RULE                MESSAGE',
      'EgressGatewayPolicy  orphan  deny      policy-gateway-ref  spec.egressGatewayName: Not found: "egress-gv": no EgressGateway has this name; did you mean "egress-gw"?',
      'note: CiliumEgressGatewayPolicy: the CRD is not installed; none checked',
      '2 objects audited: 1 with deny-level findings, 0 with warnings only',
      '',
    ]);
    assert.equal(cli.status, 1);

    env.must(['delete', 'egressgatewaypolicy', 'orphan']);
    await eventually('the report to go', () => report(uid) === undefined);
  });

  it("the chart's audit RBAC allows what the writers do, and no more", () => {
    env.must(['create', 'namespace', 'd8-system']);
    const rbac = render([]).objects.filter((o: any) => /^egw-egress-gateway-webhook-audit/.test(o.metadata.name));
    env.must(['apply', '-f', '-'], json({ apiVersion: 'v1', kind: 'List', items: rbac }));
    const as = ['--as', 'system:serviceaccount:d8-system:egw-egress-gateway-webhook'];
    const can = (...args: string[]) => env.kubectl(['auth', 'can-i', ...args, ...as]).stdout.trim();
    assert.deepEqual(
      [
        can('patch', 'clusterpolicyreports.wgpolicyk8s.io'),
        can('delete', 'clusterpolicyreports.wgpolicyk8s.io'),
        can('create', 'events.events.k8s.io', '-n', 'default'),
        can('create', 'leases.coordination.k8s.io', '-n', 'd8-system'),
        can('update', 'leases.coordination.k8s.io/egw-egress-gateway-webhook-audit', '-n', 'd8-system'),
      ],
      ['yes', 'yes', 'yes', 'yes', 'yes'],
    );
    assert.deepEqual(
      [
        can('create', 'events.events.k8s.io', '-n', 'kube-system'),
        can('update', 'leases.coordination.k8s.io/kube-controller-manager', '-n', 'd8-system'),
        can('update', 'egressgateways.network.deckhouse.io'),
        can('delete', 'events.events.k8s.io', '-n', 'default'),
      ],
      ['no', 'no', 'no', 'no'],
    );
  });

  it('one writer at a time: a second replica waits while the Lease is held, and takes over when the holder stops', async () => {
    const holder = () => JSON.parse(env.must(['get', 'lease', '-n', 'default', 'egress-gateway-webhook-audit', '-o', 'json'])).spec.holderIdentity;
    const first = holder();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.kubeconfig);
    let started = 0;
    const second = new LeaseElector(kubeConfig, {
      name: 'egress-gateway-webhook-audit',
      namespace: 'default',
      identity: 'replica-2',
      renewEveryMs: 300,
      onStarted: () => started++,
      onStopped: () => undefined,
      logger: pino({ level: 'silent' }),
    });
    second.start();
    try {
      // Several of its attempts go by while the webhook renews.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(second.isLeader(), false);
      assert.equal(holder(), first);
      webhook.kill('SIGTERM'); // it gives the Lease up on the way out
      await eventually('the second replica to take the Lease', () => second.isLeader());
      assert.equal(holder(), 'replica-2');
      assert.equal(started, 1);
    } finally {
      await second.stop();
    }
  });
});
