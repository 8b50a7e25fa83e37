import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { validateRequest } from '../src/admission/admit.js';
import { deckhouseAgents } from '../src/cluster/agents.js';
import { feedHandlers } from '../src/cluster/audit-feed.js';
import { MemoryClusterState } from '../src/cluster/memory-state.js';
import { ObjectStore, type StateChange } from '../src/cluster/object-store.js';
import { agentPod, gatewayInfo, nodeInfo, policyInfo } from '../src/cluster/objects.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import type { AuditResult } from '../src/server/audit.js';
import { AuditMetrics } from '../src/server/audit-metrics.js';
import { reportBody } from '../src/server/audit-reports.js';
import { Auditor } from '../src/server/auditor.js';

// The auditor on an in-memory cluster fed through the same handlers as the live state: which objects a change
// makes it re-check, that its findings are admission's own, and what its metrics and reports say.

const quiet = pino({ level: 'silent' });
const egress = { 'dedicated/egress': '' };

function cluster() {
  const state = new MemoryClusterState();
  const objects = new ObjectStore();
  const h = {
    nodes: feedHandlers('nodes', { reduce: nodeInfo, upsert: (n) => state.upsertNode(n), remove: (k) => state.deleteNode(k) }, state, objects),
    pods: feedHandlers('cilium-agents', { reduce: (o) => agentPod(o, deckhouseAgents), upsert: (p) => state.upsertAgentPod(p), remove: (k) => state.deletePod(k) }, state, objects),
    gateways: feedHandlers('egressgateways', { reduce: gatewayInfo, upsert: (g) => state.upsertGateway(g), remove: (k) => state.deleteGateway(k) }, state, objects),
    policies: feedHandlers('egressgatewaypolicies', { reduce: policyInfo, upsert: (p) => state.upsertPolicy(p), remove: (k) => state.deletePolicy(k) }, state, objects),
  };
  const put = <S>(handlers: { reduce(o: unknown): S | undefined; upsert(s: S): void }, obj: unknown) => handlers.upsert(handlers.reduce(obj)!);
  let rv = 0;
  const node = (name: string, labels: Record<string, string>, ready = true) => {
    put(h.nodes, {
      metadata: { name, labels, resourceVersion: String(++rv) },
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], addresses: [{ type: 'InternalIP', address: `192.0.2.${name.charCodeAt(0)}` }] },
    });
    put(h.pods, { metadata: { name: `agent-${name}`, namespace: 'd8-cni-cilium', labels: deckhouseAgents.cilium }, spec: { nodeName: name }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  };
  const gateway = (name: string, nodeSelector: Record<string, string>) =>
    put(h.gateways, {
      apiVersion: 'network.deckhouse.io/v1alpha1',
      kind: 'EgressGateway',
      metadata: { name, uid: `uid-${name}`, resourceVersion: String(++rv) },
      spec: { nodeSelector, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } } },
    });
  const policy = (name: string, gatewayName: string) =>
    put(h.policies, {
      apiVersion: 'network.deckhouse.io/v1alpha1',
      kind: 'EgressGatewayPolicy',
      metadata: { name, uid: `uid-${name}`, resourceVersion: String(++rv) },
      spec: { egressGatewayName: gatewayName, destinationCIDRs: ['203.0.113.0/24'], selectors: [{ podSelector: { matchLabels: { app: name } } }] },
    });
  objects.markSynced('EgressGateway');
  objects.markSynced('EgressGatewayPolicy');
  return { state, objects, h, node, gateway, policy };
}

/** Every change the feed reports, and what the auditor would re-check for it. */
function recording(c: ReturnType<typeof cluster>, auditor: Auditor) {
  const seen: string[][] = [];
  c.objects.subscribe((change: StateChange) => seen.push(auditor.affected(change).sort()));
  return seen;
}

describe('auditor', () => {
  it('re-checks only what a change affects: node → gateways selecting it before or after; gateway → it and its policies; policy → it', () => {
    const c = cluster();
    c.node('a', { ...egress, zone: 'one' });
    c.node('b', { zone: 'two' });
    c.gateway('gw-egress', egress);
    c.gateway('gw-two', { zone: 'two' });
    c.gateway('gw-elsewhere', { zone: 'three' });
    c.policy('p1', 'gw-egress');
    c.policy('p2', 'gw-two');
    const auditor = new Auditor({ state: c.state, objects: c.objects, config: defaultRulesConfig, logger: quiet, sinks: [] });
    const seen = recording(c, auditor);

    c.node('a', { zone: 'two' }); // leaves gw-egress, joins gw-two
    c.node('a', { zone: 'two' }); // a heartbeat: nothing that matters changed
    c.gateway('gw-egress', { zone: 'one' });
    c.policy('p2', 'gw-elsewhere');
    c.h.pods.remove('d8-cni-cilium/agent-b');
    assert.deepEqual(seen, [
      ['EgressGateway/gw-egress', 'EgressGateway/gw-two'],
      // The gateway's summary, then its stored object.
      ['EgressGateway/gw-egress', 'EgressGatewayPolicy/p1'],
      ['EgressGateway/gw-egress'],
      ['EgressGatewayPolicy/p2'],
      ['EgressGatewayPolicy/p2'],
      ['EgressGateway/gw-two'],
    ]);
  });

  it('a node change re-checks the CiliumEgressGatewayPolicies whose gateway node selectors match it', () => {
    const c = cluster();
    c.node('a', { zone: 'one' });
    const cegp = (name: string, nodeSelector: unknown, many = false) => {
      const gateway = { nodeSelector, interface: 'eth1' };
      c.objects.put('CiliumEgressGatewayPolicy', {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumEgressGatewayPolicy',
        metadata: { name },
        spec: { destinationCIDRs: ['0.0.0.0/0'], selectors: [{ podSelector: {} }], ...(many ? { egressGateways: [gateway] } : { egressGateway: gateway }) },
      });
    };
    cegp('by-label', { matchLabels: { zone: 'one' } });
    cegp('by-expression', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['two'] }] }, true);
    cegp('elsewhere', { matchLabels: { zone: 'three' } });
    const auditor = new Auditor({ state: c.state, objects: c.objects, config: defaultRulesConfig, logger: quiet, sinks: [] });
    const seen = recording(c, auditor);
    c.node('a', { zone: 'two' });
    assert.deepEqual(seen, [['CiliumEgressGatewayPolicy/by-expression', 'CiliumEgressGatewayPolicy/by-label']]);
  });

  it('finds what admission would say now, in its words, and follows changes', async () => {
    const c = cluster();
    c.node('a', egress);
    c.node('b', egress);
    c.gateway('gw', egress);
    c.policy('p', 'gw');
    const changed: AuditResult[] = [];
    const removed: string[] = [];
    const auditor = new Auditor({
      state: c.state,
      objects: c.objects,
      config: defaultRulesConfig,
      logger: quiet,
      sinks: [{ changed: (r) => changed.push(r), removed: (r) => removed.push(r.name) }],
      debounceMs: 1,
      fullPassIntervalMs: 0,
    });
    auditor.start();
    await auditor.idle();
    assert.deepEqual(
      changed.map((r) => [r.name, r.findings.length, r.gateway]),
      [
        ['gw', 0, { eligibleNodes: 2, hasStandby: true }],
        ['p', 0, undefined],
      ],
    );
    changed.length = 0;

    c.node('b', { other: '' });
    await auditor.idle();
    assert.deepEqual(changed.map((r) => [r.name, r.findings, r.gateway]), [
      ['gw', [{ rule: 'gateway-single-node', severity: 'warn', message: 'only node a is eligible: no standby, so no failover if it fails; prepare a second node' }], { eligibleNodes: 1, hasStandby: false }],
    ]);
    // The very warning the webhook gives when the same gateway is applied now.
    const review = await validateRequest(
      { uid: 'u', kind: { group: 'network.deckhouse.io', version: 'v1alpha1', kind: 'EgressGateway' }, operation: 'CREATE', object: c.objects.get('EgressGateway', 'gw')!.object },
      { state: c.state, config: defaultRulesConfig },
    );
    assert.deepEqual(review.response.warnings, [changed[0]!.findings[0]!.message]);
    changed.length = 0;

    c.h.gateways.remove('gw');
    await auditor.idle();
    assert.deepEqual(removed, ['gw']);
    assert.deepEqual(changed.map((r) => [r.name, r.findings.map((f) => [f.rule, f.severity, f.message])]), [
      ['p', [['policy-gateway-ref', 'deny', 'spec.egressGatewayName: Not found: "gw": no EgressGateway has this name; create it first (kubectl get egressgateways lists them)']]],
    ]);
    await auditor.stop();
  });

  it('keeps objects whole up to a byte cap, without the bookkeeping of the API server', () => {
    const store = new ObjectStore(600);
    const big = 'x'.repeat(700);
    assert.equal(
      store.put('EgressGateway', {
        metadata: { name: 'gw', managedFields: [{ manager: 'kubectl', fieldsV1: { big } }], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': big } },
        spec: {},
      }),
      true,
    );
    assert.deepEqual(store.get('EgressGateway', 'gw')!.object, { metadata: { name: 'gw' }, spec: {} });
    const tooBig = { metadata: { name: 'gw', labels: { big } }, spec: {} };
    assert.equal(store.put('EgressGateway', tooBig), false);
    assert.equal(store.get('EgressGateway', 'gw'), undefined, 'an object over the cap is not kept, not even its older copy');
    assert.deepEqual([...store.oversized()], [['EgressGateway/gw', Buffer.byteLength(JSON.stringify(tooBig))]]);
  });
});

describe('audit metrics', () => {
  const result = (name: string, eligibleNodes: number, rules: string[] = []): AuditResult => ({
    kind: 'EgressGateway',
    name,
    findings: rules.map((rule) => ({ rule: rule as never, severity: 'warn', message: 'm' })),
    gateway: { eligibleNodes, hasStandby: eligibleNodes > 1 },
  });
  const lines = async (registry: Registry, prefix: string) =>
    (await registry.metrics()).split('\n').filter((l) => l.startsWith(prefix));

  it('findings by rule, severity and kind; per gateway eligible nodes and standby, capped with a counter of the refused', async () => {
    const registry = new Registry();
    const m = new AuditMetrics(registry, 2);
    m.changed(result('a', 2), undefined);
    m.changed(result('b', 1, ['gateway-single-node']), undefined);
    m.changed(result('c', 0, ['gateway-no-matching-node']), undefined);
    m.changed(result('c', 0, ['gateway-no-matching-node']), result('c', 0, ['gateway-no-matching-node']));
    assert.deepEqual(await lines(registry, 'egress_gateway_webhook_gateway_eligible_nodes{'), [
      'egress_gateway_webhook_gateway_eligible_nodes{gateway="a"} 2',
      'egress_gateway_webhook_gateway_eligible_nodes{gateway="b"} 1',
    ]);
    assert.deepEqual(await lines(registry, 'egress_gateway_webhook_gateway_has_standby{'), [
      'egress_gateway_webhook_gateway_has_standby{gateway="a"} 1',
      'egress_gateway_webhook_gateway_has_standby{gateway="b"} 0',
    ]);
    assert.deepEqual(await lines(registry, 'egress_gateway_webhook_audit_dropped_series_total'), ['egress_gateway_webhook_audit_dropped_series_total 1']);
    assert.deepEqual(await lines(registry, 'egress_gateway_webhook_audit_findings{'), [
      'egress_gateway_webhook_audit_findings{rule="gateway-single-node",severity="warn",kind="EgressGateway"} 1',
      'egress_gateway_webhook_audit_findings{rule="gateway-no-matching-node",severity="warn",kind="EgressGateway"} 1',
    ]);
    m.removed(result('b', 1, ['gateway-single-node']));
    assert.deepEqual(await lines(registry, 'egress_gateway_webhook_gateway_eligible_nodes{'), ['egress_gateway_webhook_gateway_eligible_nodes{gateway="a"} 2']);
    assert.deepEqual(await lines(registry, 'egress_gateway_webhook_audit_findings{'), [
      'egress_gateway_webhook_audit_findings{rule="gateway-no-matching-node",severity="warn",kind="EgressGateway"} 1',
    ]);
  });
});

describe('audit report layout', () => {
  it('as Kyverno lays out a per-resource report: scope, summary, one result per rule with policy, result, severity, message, the field', () => {
    const now = new Date(1_800_000_000_000);
    const body = reportBody(
      {
        kind: 'EgressGatewayPolicy',
        name: 'orphan',
        uid: 'u-1',
        findings: [{ rule: 'policy-gateway-ref', severity: 'deny', message: 'spec.egressGatewayName: Not found: "gw"', field: 'spec.egressGatewayName' }],
      },
      now,
    );
    const resource = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', name: 'orphan', uid: 'u-1' };
    assert.deepEqual(body.metadata, {
      name: 'egress-gateway-webhook-u-1',
      labels: { 'app.kubernetes.io/managed-by': 'egress-gateway-webhook', 'egress-gateway.network.deckhouse.io/audited-kind': 'EgressGatewayPolicy' },
      ownerReferences: [{ ...resource, controller: false, blockOwnerDeletion: false }],
    });
    assert.deepEqual(body.scope, resource);
    const common = { policy: 'egress-gateway-webhook', source: 'egress-gateway-webhook', scored: true, category: 'EgressGatewayPolicy', timestamp: { seconds: 1_800_000_000, nanos: 0 }, resources: [resource] };
    assert.deepEqual(body.results[0], {
      ...common,
      rule: 'policy-gateway-ref',
      result: 'fail',
      severity: 'high',
      message: 'spec.egressGatewayName: Not found: "gw"',
      properties: { field: 'spec.egressGatewayName' },
    });
    assert.deepEqual(body.results[1], { ...common, rule: 'schema-required', result: 'pass', message: 'rule schema-required passed' });
    assert.deepEqual(body.summary, { pass: body.results.length - 1, fail: 1, warn: 0, error: 0, skip: 0 });
    assert.ok(!body.results.some((r) => r.rule.startsWith('gateway-')), 'only rules of its own kind');
  });
});
