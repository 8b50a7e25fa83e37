import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartDir, find, helm, imageSet, render as renderChart } from './helpers/chart.js';

// The chart's audit parts, rendered by the real helm binary: the PrometheusRule (only where the cluster serves
// monitoring.coreos.com/v1, or when asked), least-privilege RBAC for reports, events and the Lease, the flags.

const name = 'egw-egress-gateway-webhook';

/** Rendered objects; `--api-versions X` among the arguments is passed as such, the rest are --set values. */
function render(args: string[] = []): any[] {
  const sets: string[] = [];
  const apiVersions: string[] = [];
  for (let i = 0; i < args.length; i += 2) (args[i] === '--api-versions' ? apiVersions : sets).push(args[i + 1]!);
  const r = renderChart(sets, { apiVersions });
  assert.equal(r.error, undefined);
  return r.objects;
}
const args = (objects: any[]) => find(objects, 'Deployment').spec.template.spec.containers[0].args as string[];

describe('helm chart: audit', () => {
  it('PrometheusRule: none by default, rendered when the cluster serves monitoring.coreos.com/v1 or when asked', () => {
    assert.equal(find(render(), 'PrometheusRule'), undefined);
    const withApi = find(render(['--api-versions', 'monitoring.coreos.com/v1']), 'PrometheusRule');
    assert.equal(withApi.metadata.namespace, 'd8-system');
    const alerts = withApi.spec.groups[0].rules.map((r: any) => [r.alert, r.expr, r.for]);
    assert.deepEqual(alerts, [
      ['EgressGatewayNoEligibleNode', 'max by (gateway) (egress_gateway_webhook_gateway_eligible_nodes) == 0', '2m'],
      ['EgressGatewayNoStandby', 'max by (gateway) (egress_gateway_webhook_gateway_eligible_nodes) == 1', '10m'],
      ['EgressGatewayPolicyMissingGateway', 'max (egress_gateway_webhook_audit_findings{rule="policy-gateway-ref", kind="EgressGatewayPolicy"}) > 0', '5m'],
      [
        'EgressGatewayAuditNotRunning',
        '(time() - max(egress_gateway_webhook_audit_last_pass_timestamp_seconds{scope="full"})) > 1800 or absent(egress_gateway_webhook_audit_last_pass_timestamp_seconds{scope="full"})',
        '10m',
      ],
    ]);
    assert.equal(withApi.spec.groups[0].rules[0].annotations.summary, 'EgressGateway {{ $labels.gateway }} has no eligible node');
    assert.ok(find(render(['--set', 'audit.prometheusRule.create=always', '--set', 'audit.prometheusRule.labels.release=prom']), 'PrometheusRule').metadata.labels.release === 'prom');
    assert.equal(find(render(['--api-versions', 'monitoring.coreos.com/v1', '--set', 'audit.prometheusRule.create=never']), 'PrometheusRule'), undefined);
  });

  it('RBAC: reports of both APIs without names (they are named by uid), events created in default only, the Lease by name', () => {
    const objects = render();
    assert.deepEqual(find(objects, 'ClusterRole', `${name}-audit`).rules, [
      { apiGroups: ['openreports.io'], resources: ['clusterreports'], verbs: ['list', 'create', 'patch', 'delete'] },
      { apiGroups: ['wgpolicyk8s.io'], resources: ['clusterpolicyreports'], verbs: ['list', 'create', 'patch', 'delete'] },
    ]);
    assert.deepEqual(find(objects, 'ClusterRoleBinding', `${name}-audit`).subjects, [{ kind: 'ServiceAccount', name, namespace: 'd8-system' }]);
    const events = find(objects, 'Role', `${name}-audit-events`);
    assert.equal(events.metadata.namespace, 'default');
    assert.deepEqual(events.rules, [{ apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] }]);
    const lease = find(objects, 'Role', `${name}-audit-lease`);
    assert.equal(lease.metadata.namespace, 'd8-system');
    assert.deepEqual(lease.rules, [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [`${name}-audit`], verbs: ['get', 'update'] },
    ]);
    assert.deepEqual(
      args(objects).filter((a) => a.includes('audit')),
      ['--audit-interval=600', '--audit-reports=auto', `--audit-lease=${name}-audit`],
    );
  });

  it('one report API asked for gets only its own rule; none and no events need neither; cilium policies are read when checked', () => {
    assert.deepEqual(find(render(['--set', 'audit.reports=wgpolicyk8s']), 'ClusterRole', `${name}-audit`).rules.map((r: any) => r.apiGroups[0]), ['wgpolicyk8s.io']);
    const quiet = render(['--set', 'audit.reports=none', '--set', 'audit.events=false']);
    assert.equal(find(quiet, 'ClusterRole', `${name}-audit`), undefined);
    assert.equal(find(quiet, 'Role', `${name}-audit-events`), undefined);
    assert.ok(args(quiet).includes('--no-audit-events'));
    const cilium = render(['--set', 'audit.reports=none', '--set', 'kinds.ciliumEgressGatewayPolicy=true']);
    assert.deepEqual(find(cilium, 'ClusterRole', `${name}-audit`).rules, [{ apiGroups: ['cilium.io'], resources: ['ciliumegressgatewaypolicies'], verbs: ['list', 'watch'] }]);
  });

  it('audit.enabled=false: no audit RBAC, no PrometheusRule, --no-audit', () => {
    const off = render(['--set', 'audit.enabled=false', '--set', 'audit.prometheusRule.create=always']);
    assert.deepEqual(off.filter((o) => o.metadata.name.includes('audit')), []);
    assert.equal(find(off, 'PrometheusRule'), undefined);
    assert.ok(args(off).includes('--no-audit'));
  });

  it('bad audit values are refused', () => {
    const r = helm(['template', 'egw', chartDir, '--set', imageSet, '--set', 'audit.reports=kyverno']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /- at '\/audit\/reports': value must be one of 'auto', 'openreports', 'wgpolicyk8s', 'none'/);
  });
});
