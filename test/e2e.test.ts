import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { parseManifests } from '../src/cluster/manifests.js';
import { bundledCiliumPolicyCRD } from '../src/resources/egressgatewaypolicy/bundled-cilium-crd.js';
import { isTestHook, notes, render } from './helpers/chart.js';
import { EnvTest, envtestUnavailable, freePort } from './helpers/envtest.js';
import { httpsRequest } from './helpers/https-client.js';
import { fromRoot } from './helpers/paths.js';

// End to end through a real API server: CRDs installed, the webhook running as a child process and registered
// by URL with its caBundle, everything driven with the real kubectl. Skipped, with one line, without
// KUBEBUILDER_ASSETS (CI has no API server).

const skip = envtestUnavailable();
const webhookName = 'validate.egress-gateway.network.deckhouse.io';
// The platform's CRDs: Deckhouse's two as the chart ships them (restated from Deckhouse's own), and the
// CiliumEgressGatewayPolicy CRD of the Cilium that Deckhouse bundles (the render check's bundled schema).
const deckhouseCRDs = fromRoot('charts/egress-gateway-webhook/files/crds');
const ciliumCRD = JSON.stringify(bundledCiliumPolicyCRD);
/**
 * What kubectl prints for a 422 with details.causes: its own rendering of the causes, not status.message,
 * so "The" in front, and one "* cause" line each when there are several.
 */
const kubectlInvalid = (what: string, causes: string[]) =>
  causes.length === 1 ? [`The ${what} is invalid: ${causes[0]}`] : [`The ${what} is invalid: `, ...causes.map((c) => `* ${c}`)];

const yaml = (o: unknown) => JSON.stringify(o);
const gateway = (name: string, spec: unknown) => yaml({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name }, spec });
const policy = (name: string, spec: unknown) => yaml({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', metadata: { name }, spec });
const primary = { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } };
const vip = (ip: string) => ({ mode: 'VirtualIPAddress', virtualIPAddress: { ip } });
const backend = [{ podSelector: { matchLabels: { app: 'backend' } } }];
// The webhook watches the cluster's CRD (here Cilium 1.17's, as Deckhouse ships it) and names it so.
const cilium117 = "the cluster's CiliumEgressGatewayPolicy CRD";

function webhookConfigurations(port: number, caBundle: string, configName = 'egress-gateway-webhook'): string {
  const rule = (operations: string[]) => [
    { apiGroups: ['network.deckhouse.io'], apiVersions: ['v1alpha1'], operations, resources: ['egressgateways', 'egressgatewaypolicies'], scope: 'Cluster' },
  ];
  const hook = (name: string, path: string, operations: string[], rules = rule(operations)) => ({
    name,
    clientConfig: { url: `https://127.0.0.1:${port}${path}`, ...(caBundle ? { caBundle } : {}) },
    rules,
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    failurePolicy: 'Fail',
    timeoutSeconds: 5,
  });
  return yaml({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: configName },
        webhooks: [
          hook(webhookName, '/validate', ['CREATE', 'UPDATE', 'DELETE']),
          // As the chart's kinds.ciliumEgressGatewayPolicy renders it: what the platform renders is left alone.
          {
            ...hook('validate-cilium.egress-gateway.network.deckhouse.io', '/validate', [], [
              { apiGroups: ['cilium.io'], apiVersions: ['v2'], operations: ['CREATE', 'UPDATE'], resources: ['ciliumegressgatewaypolicies'], scope: 'Cluster' },
            ]),
            objectSelector: { matchExpressions: [{ key: 'heritage', operator: 'NotIn', values: ['deckhouse'] }] },
          },
        ],
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: configName },
        webhooks: [hook('mutate.egress-gateway.network.deckhouse.io', '/mutate', ['CREATE', 'UPDATE'])],
      },
    ],
  });
}

// Mistakes the platform's own CRDs refuse without the webhook, in the API server's words.
const platformAlone: [string, string][] = [
  ['mode misspelt', gateway('typo', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIP', virtualIPAddress: { ip: '198.51.100.8' } } })],
  ['interfaceName missing', gateway('noiface', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: {} } })],
  [
    'what Deckhouse renders from an IPv6 policy without selectors',
    yaml({ apiVersion: 'cilium.io/v2', kind: 'CiliumEgressGatewayPolicy', metadata: { name: 'd8.v6' }, spec: { destinationCIDRs: ['2001:db8::/32'], egressGateway: { nodeSelector: { matchLabels: { 'egress-gateway.network.deckhouse.io/active-for-gw': '' } }, egressIP: '2001:db8::10' }, selectors: null } }),
  ],
];
const baseline = new Map<string, string[]>();

describe('end to end through a real API server', { skip }, () => {
  const env = new EnvTest();
  let webhook: ChildProcess;
  let webhookUrl = '';
  let metricsPort = 0;
  let ca = '';

  const ready = async () => {
    const r = await httpsRequest(`${webhookUrl}/readyz`, { ca, method: 'GET' }).catch(() => undefined);
    return r?.status === 200;
  };
  const eventually = async (what: string, check: () => boolean | Promise<boolean>, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** kubectl apply from stdin; returns stderr lines (warnings, errors) and the exit code. */
  const apply = (doc: string) => {
    const r = env.kubectl(['apply', '-f', '-'], doc);
    return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim().split('\n').filter(Boolean) };
  };
  const node = (name: string, labels: Record<string, string>, opts: { ready?: boolean; cordoned?: boolean; ip: string }) => {
    env.must(['apply', '-f', '-'], yaml({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { unschedulable: opts.cordoned ?? false } }));
    const status = { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', reason: 'Test', message: 'set by the e2e suite' }], addresses: [{ type: 'InternalIP', address: opts.ip }] };
    env.must(['patch', 'node', name, '--subresource=status', '--type=merge', '-p', yaml({ status })]);
  };
  const agent = (name: string, nodeName: string, labels: Record<string, string>) => {
    env.must(['apply', '-f', '-'], yaml({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'd8-cni-cilium', labels }, spec: { nodeName, containers: [{ name: 'agent', image: 'agent' }] } }));
    env.must(['-n', 'd8-cni-cilium', 'patch', 'pod', name, '--subresource=status', '--type=merge', '-p', yaml({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })]);
  };

  before(async () => {
    await env.start();
    env.must(['apply', '-f', deckhouseCRDs]);
    env.must(['apply', '-f', '-'], ciliumCRD);
    env.must(['wait', '--for=condition=Established', 'crd/egressgateways.network.deckhouse.io', 'crd/egressgatewaypolicies.network.deckhouse.io', 'crd/ciliumegressgatewaypolicies.cilium.io']);
    // What the platform's CRDs say alone, before any webhook is registered (asserted below).
    // The header, then the causes sorted: the API server's order varies between runs.
    for (const [what, doc] of platformAlone) {
      const [header, ...causes] = env.kubectl(['apply', '--dry-run=server', '-f', '-'], doc).stderr.trim().split('\n');
      baseline.set(what, [header!, ...causes.sort()]);
    }
    env.must(['create', 'namespace', 'd8-cni-cilium']);
    // Both egress labels of the documentation (dedicated/egress, and node-role.deckhouse.io/egress of older pages).
    // egress-gateway=true and region: the labels of the Cilium guide's CiliumEgressGatewayPolicy examples.
    node('egress-a', { 'dedicated/egress': '', 'node-role.deckhouse.io/egress': '', only: 'a', 'egress-gateway': 'true', region: 'us-east-1' }, { ip: '192.0.2.11' });
    node('egress-b', { 'dedicated/egress': '', 'node-role.deckhouse.io/egress': '', 'egress-gateway': 'true' }, { ip: '192.0.2.12' });
    node('egress-c', { 'dedicated/egress': '', solo: 'c' }, { ip: '192.0.2.13', cordoned: true });
    node('egress-d', { 'dedicated/egress': '', solo: 'd' }, { ip: '192.0.2.14', ready: false });
    for (const n of ['egress-a', 'egress-b', 'egress-c', 'egress-d']) {
      agent(`agent-${n}`, n, { app: 'agent', module: 'cni-cilium' });
      agent(`egress-gateway-agent-${n}`, n, { app: 'egress-gateway-agent' });
    }

    const port = await freePort();
    metricsPort = await freePort();
    const certDir = join(env.dir, 'webhook-certs');
    webhook = spawn(process.execPath, [fromRoot('dist/src/cli/main.js'), 'serve', '--kubeconfig', env.kubeconfig, '--port', String(port), '--metrics-port', String(metricsPort), '--cert-dir', certDir, '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    webhookUrl = `https://127.0.0.1:${port}`;
    await eventually('webhook certificates', () => {
      try {
        ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
        return true;
      } catch {
        return false;
      }
    });
    await eventually('webhook /readyz', ready);
    env.must(['apply', '-f', '-'], webhookConfigurations(port, Buffer.from(ca).toString('base64')));
  });

  after(async () => {
    webhook?.kill('SIGTERM');
    await env.stop();
  });

  // The Russian page's policy names my-egressgw while its gateways are myegressgw and myeg (the webhook
  // catches that: "did you mean"); here, as in the example cluster state, that gateway exists beforehand.
  // The Russian page still labels egress nodes under node-role.deckhouse.io/, which Deckhouse reserves: a warning each.
  const reserved = 'Warning: spec.nodeSelector node-role.deckhouse.io/egress: reserved by Deckhouse, which alerts on it; use e.g. dedicated/egress';
  const seedFiles: [string, string[], string][] = [
    ['cni-cilium-examples-en.yaml', [], ''],
    // Two gateways, one line: kubectl prints a repeated warning once.
    ['cni-cilium-examples-ru.yaml', ['my-egressgw'], `${reserved}\n`],
    ['platform-guide-egress.yaml', [], ''],
  ];
  for (const [file, existing, stderr] of seedFiles) {
    it(`seed examples of ${file} apply cleanly`, async () => {
      try {
        for (const name of existing) env.must(['apply', '-f', '-'], gateway(name, { nodeSelector: { 'dedicated/egress': '' }, sourceIP: primary }));
        const r = env.kubectl(['apply', '-f', fromRoot(`test/fixtures/seeds/${file}`)]);
        assert.equal(r.stderr, stderr);
        assert.equal(r.code, 0);
      } finally {
        // Policies first, or their gateways may not go; the next file reuses the same virtual IP.
        env.must(['delete', 'egressgatewaypolicies', '--all', '--wait=true']);
        env.must(['delete', 'egressgateways', '--all', '--wait=true']);
      }
    });
  }

  it("without the webhook, the platform's CRDs answer in the API server's words (the generic oneOf on <nil>, Cilium's pattern)", () => {
    const oneOf = '* <nil>: Invalid value: "": "spec.sourceIP" must validate one and only one schema (oneOf). Found none valid';
    assert.deepEqual(Object.fromEntries(baseline), {
      'mode misspelt': [
        'The EgressGateway "typo" is invalid: ',
        oneOf,
        '* spec.sourceIP.mode: Unsupported value: "VirtualIP": supported values: "VirtualIPAddress"',
        '* spec.sourceIP.mode: Unsupported value: "VirtualIP": supported values: "VirtualIPAddress", "PrimaryIPFromEgressGatewayNodeInterface"',
      ],
      'interfaceName missing': ['The EgressGateway "noiface" is invalid: ', oneOf, '* spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Required value'],
      'what Deckhouse renders from an IPv6 policy without selectors': [
        'The CiliumEgressGatewayPolicy "d8.v6" is invalid: ',
        `* spec.destinationCIDRs[0]: Invalid value: "2001:db8::/32": spec.destinationCIDRs[0] in body should match '${String.raw`^(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\/([0-9]|[1-2][0-9]|3[0-2])$`}'`,
        '* spec.egressGateway.egressIP: Invalid value: "2001:db8::10": spec.egressGateway.egressIP in body must be of type ipv4: "2001:db8::10"',
        '* spec.selectors: Required value',
      ],
    });
  });

  it('kubectl get shows the defaults the webhook filled in', () => {
    assert.equal(apply(gateway('defaulted', { sourceIP: { virtualIPAddress: { ip: '198.51.100.7' } } })).code, 0);
    const got = JSON.parse(env.must(['get', 'egressgateway', 'defaulted', '-o', 'json']));
    // interfaces: [] is the CRD's own default, applied by the API server.
    assert.deepEqual(got.spec, { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.7', interfaces: [] } } });
    const p = apply(policy('defaulted', { egressGatewayName: 'defaulted', selectors: backend }));
    assert.equal(p.code, 0, p.err.join('\n'));
    assert.deepEqual(JSON.parse(env.must(['get', 'egressgatewaypolicy', 'defaulted', '-o', 'json'])).spec.destinationCIDRs, ['0.0.0.0/0']);
    env.must(['delete', 'egressgatewaypolicy', 'defaulted']);
  });

  const denials: [string, string, string, string[], string[]?][] = [
    [
      'unsupported mode',
      gateway('bad-mode', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { ...vip('198.51.100.8'), mode: 'VirtualIP' } }),
      'EgressGateway "bad-mode"',
      ['spec.sourceIP.mode: Unsupported value: "VirtualIP": supported values: "PrimaryIPFromEgressGatewayNodeInterface", "VirtualIPAddress"; did you mean "VirtualIPAddress"?'],
    ],
    // The platform CRD's own checks (mode enum, the oneOf of the mode blocks, required fields) run after the mutating
    // webhook: it denies these already, so kubectl prints ours, never the generic oneOf error on <nil>.
    [
      'mode block missing',
      gateway('no-block', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress' } }),
      'EgressGateway "no-block"',
      ['spec.sourceIP.virtualIPAddress: Required value: must be set when mode is "VirtualIPAddress"'],
    ],
    [
      'interfaceName missing',
      gateway('no-iface', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: {} } }),
      'EgressGateway "no-iface"',
      ['spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Required value'],
    ],
    [
      'virtual IP missing',
      gateway('no-ip', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { interfaces: ['eth1'] } } }),
      'EgressGateway "no-ip"',
      ['spec.sourceIP.virtualIPAddress.ip: Required value'],
    ],
    [
      'mode missing, both blocks',
      gateway('no-mode', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' }, virtualIPAddress: { ip: '198.51.100.8' } } }),
      'EgressGateway "no-mode"',
      ['spec.sourceIP.mode: Required value: supported values: "PrimaryIPFromEgressGatewayNodeInterface", "VirtualIPAddress"'],
    ],
    [
      'policy without spec',
      yaml({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', metadata: { name: 'no-spec' } }),
      'EgressGatewayPolicy "no-spec"',
      ['spec.egressGatewayName: Required value', `spec.selectors: Required value: ${cilium117} requires it (the template writes an absent list as null, which the API server drops): the platform renders this policy as "d8.no-spec", which would be refused`],
    ],
    [
      'policy without egressGatewayName',
      policy('no-gw', { destinationCIDRs: ['10.0.0.0/8'], selectors: backend }),
      'EgressGatewayPolicy "no-gw"',
      ['spec.egressGatewayName: Required value'],
    ],
    [
      "interfaces entry of Cilium's own device",
      gateway('cilium-host', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.9', interfaces: ['cilium_host'] } } }),
      'EgressGateway "cilium-host"',
      [`spec.sourceIP.virtualIPAddress.interfaces[0]: Invalid value: "cilium_host": Cilium's own device: the egress-gateway agent never announces the virtual IP on cilium_* or lxc* interfaces; name the uplink, e.g. "eth1"`],
    ],
    // What Cilium 1.17's CiliumEgressGatewayPolicy CRD refuses in the object the platform renders.
    [
      'IPv6 virtual IP',
      gateway('v6', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('2001:db8::10') }),
      'EgressGateway "v6"',
      [
        `spec.sourceIP.virtualIPAddress.ip: Invalid value: "2001:db8::10": the platform writes it as spec.egressGateway.egressIP into the CiliumEgressGatewayPolicy of every EgressGatewayPolicy naming this gateway, which would be refused: ${cilium117} takes an IPv4 address only`,
      ],
    ],
    [
      'IPv6 destination',
      policy('v6', { egressGatewayName: 'defaulted', destinationCIDRs: ['10.0.0.0/8', '2001:db8::/32'], selectors: backend }),
      'EgressGatewayPolicy "v6"',
      [`spec.destinationCIDRs[1]: Invalid value: "2001:db8::/32": ${cilium117} takes IPv4 CIDRs only: the platform renders this policy as "d8.v6", which would be refused`],
      ['Warning: spec.destinationCIDRs[1] 2001:db8::/32 is IPv6, but gateway defaulted has IPv4 virtual IP 198.51.100.7'],
    ],
    [
      'policy without selectors',
      policy('no-selectors', { egressGatewayName: 'defaulted', destinationCIDRs: ['10.0.0.0/8'] }),
      'EgressGatewayPolicy "no-selectors"',
      [`spec.selectors: Required value: ${cilium117} requires it (the template writes an absent list as null, which the API server drops): the platform renders this policy as "d8.no-selectors", which would be refused`],
    ],
    [
      'both mode blocks',
      gateway('both', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { ...primary, virtualIPAddress: { ip: '198.51.100.8' } } }),
      'EgressGateway "both"',
      ['spec.sourceIP.virtualIPAddress: Forbidden: must not be set when mode is "PrimaryIPFromEgressGatewayNodeInterface"; remove it, or set mode to "VirtualIPAddress"'],
    ],
    [
      'interface name too long',
      gateway('iface', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { ...primary, primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'enp0s31f6-public' } } }),
      'EgressGateway "iface"',
      ['spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Invalid value: "enp0s31f6-public": must be at most 15 bytes, the Linux limit for interface names'],
    ],
    [
      'virtual IP with a prefix',
      gateway('prefix', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('10.0.0.5/32') }),
      'EgressGateway "prefix"',
      ['spec.sourceIP.virtualIPAddress.ip: Invalid value: "10.0.0.5/32": must be a single address without a prefix length; did you mean "10.0.0.5"?'],
    ],
    [
      'virtual IP of a node',
      gateway('node-ip', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('192.0.2.12') }),
      'EgressGateway "node-ip"',
      ['spec.sourceIP.virtualIPAddress.ip: Invalid value: "192.0.2.12": is the InternalIP of node "egress-b"; a virtual IP must be an address no node uses'],
    ],
    [
      'virtual IP of another gateway',
      gateway('dup-vip', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('198.51.100.7') }),
      'EgressGateway "dup-vip"',
      ['spec.sourceIP.virtualIPAddress.ip: Duplicate value: "198.51.100.7": already the virtual IP of EgressGateway "defaulted"; each gateway needs its own address'],
    ],
    [
      'name too long',
      gateway('g'.repeat(53), { nodeSelector: { 'dedicated/egress': '' }, sourceIP: primary }),
      `EgressGateway "${'g'.repeat(53)}"`,
      [`metadata.name: Too long: may not be more than 52 bytes (the platform labels the active node egress-gateway.network.deckhouse.io/active-for-<name>, and a label name is at most 63 characters)`],
    ],
    [
      'policy CIDRs',
      policy('cidrs', { egressGatewayName: 'defaulted', destinationCIDRs: ['10.0.0.1/8', '10.1.2.3'], selectors: backend }),
      'EgressGatewayPolicy "cidrs"',
      ['spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?', 'spec.destinationCIDRs[1]: Invalid value: "10.1.2.3": must be a CIDR with a prefix length; did you mean "10.1.2.3/32"?'],
    ],
    [
      'policy selector operator',
      policy('ops', { egressGatewayName: 'defaulted', selectors: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'in', values: ['x'] }] } }] }),
      'EgressGatewayPolicy "ops"',
      ['spec.selectors[0].podSelector.matchExpressions[0].operator: Unsupported value: "in": supported values: "In", "NotIn", "Exists", "DoesNotExist"; did you mean "In"?'],
    ],
  ];
  for (const [what, doc, object, causes, warnings = []] of denials) {
    it(`kubectl apply is refused: ${what}`, () => {
      const r = apply(doc);
      assert.equal(r.code, 1);
      assert.deepEqual(r.err, [...warnings, ...kubectlInvalid(object, causes)]);
    });
  }

  it('a newer Cilium CRD that takes IPv6 lets IPv6 through, with no change to the webhook; back to 1.17, it is refused again', async () => {
    const v6 = policy('v6-later', { egressGatewayName: 'v6-gw', destinationCIDRs: ['2001:db8::/32'], selectors: backend });
    const v6gw = gateway('v6-gw', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('2001:db8::77') });
    env.must(['apply', '-f', fromRoot('test/fixtures/crds/cilium-ipv6-crd.yaml')]);
    try {
      await eventually('the webhook to read the new CRD', () => apply(v6gw).code === 0);
      const p = apply(v6);
      assert.deepEqual([p.code, p.err], [0, []]);
    } finally {
      env.must(['apply', '-f', '-'], ciliumCRD);
    }
    // A new object each time: kubectl sends nothing for an apply that changes nothing.
    const other = policy('v6-other', { egressGatewayName: 'defaulted', destinationCIDRs: ['2001:db8::/32'], selectors: backend });
    await eventually('the webhook to read 1.17 again', () => env.kubectl(['apply', '--dry-run=server', '-f', '-'], other).code === 1);
    assert.deepEqual(apply(other).err.slice(-1), [
      `The EgressGatewayPolicy "v6-other" is invalid: spec.destinationCIDRs[0]: Invalid value: "2001:db8::/32": ${cilium117} takes IPv4 CIDRs only: the platform renders this policy as "d8.v6-other", which would be refused`,
    ]);
    env.must(['delete', 'egressgatewaypolicy', 'v6-later']);
    env.must(['delete', 'egressgateway', 'v6-gw']);
  });

  it('a reserved node label and an empty destination list are warned about', () => {
    const g = apply(gateway('reserved', { nodeSelector: { 'node-role.deckhouse.io/egress': '' }, sourceIP: primary }));
    assert.deepEqual([g.code, g.err], [0, [reserved]]);
    const p = apply(policy('nowhere', { egressGatewayName: 'reserved', destinationCIDRs: [], selectors: backend }));
    assert.deepEqual([p.code, p.err], [0, ['Warning: spec.destinationCIDRs is empty, so this policy routes no traffic through the gateway; add a CIDR']]);
    env.must(['delete', 'egressgatewaypolicy', 'nowhere']);
  });

  it('an unknown field never reaches the webhook: kubectl has it refused by strict decoding, or pruned with --validate=false', () => {
    const typo = gateway('typo', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAdress: { ip: '198.51.100.20' } } });
    const strict = env.kubectl(['apply', '-f', '-'], typo);
    assert.deepEqual([strict.code, strict.stderr.trim()], [1, 'Error from server (BadRequest): error when creating "STDIN": EgressGateway in version "v1alpha1" cannot be handled as a EgressGateway: strict decoding error: unknown field "spec.sourceIP.virtualIPAdress"']);
    const pruned = env.kubectl(['apply', '--validate=false', '-f', '-'], typo);
    assert.deepEqual(
      [pruned.code, pruned.stderr.trim().split('\n')],
      [1, kubectlInvalid('EgressGateway "typo"', ['spec.sourceIP.virtualIPAddress: Required value: must be set when mode is "VirtualIPAddress"'])],
    );
  });

  it("the render check agrees with the API server: each rendered object, dry-run against Cilium 1.17's CRD", async () => {
    const { renderPolicy, renderGateway } = await import('../src/resources/egressgatewaypolicy/render.js');
    const { checkPolicyRender } = await import('../src/resources/egressgatewaypolicy/render-check.js');
    const { Findings } = await import('../src/rules/findings.js');
    const { MemoryClusterState } = await import('../src/cluster/memory-state.js');
    const gw4 = { name: 'gw4', mode: 'VirtualIPAddress', ipText: '198.51.100.30' };
    const gw6 = { name: 'gw6', mode: 'VirtualIPAddress', ipText: '2001:db8::30' };
    const basic = { name: 'basic', mode: 'PrimaryIPFromEgressGatewayNodeInterface', interfaceName: 'eth1' };
    // format ipv4 as the API server checks it: Go's parser, and a dot (an IPv4-mapped IPv6 address passes).
    const mapped = { name: 'mapped', mode: 'VirtualIPAddress', ipText: '::ffff:198.51.100.31' };
    const named = { name: 'named', mode: 'PrimaryIPFromEgressGatewayNodeInterface', interfaceName: 'on' };
    const cases: [string, any, any, string[]][] = [
      ['valid', { destinationCIDRs: ['0.0.0.0/0'], excludedCIDRs: ['10.0.0.0/8'], selectors: backend }, gw4, []],
      ['valid-basic', { destinationCIDRs: ['203.0.113.0/24'], excludedCIDRs: [], selectors: [] }, basic, []],
      ['v6-dest', { destinationCIDRs: ['2001:db8::/32'], selectors: backend }, gw4, ['spec.destinationCIDRs[0]']],
      ['v6-vip', { destinationCIDRs: ['0.0.0.0/0'], selectors: backend }, gw6, ['spec.egressGatewayName']],
      ['no-selectors', { destinationCIDRs: ['0.0.0.0/0'] }, gw4, ['spec.selectors']],
      ['mapped', { destinationCIDRs: ['0.0.0.0/0'], selectors: backend }, mapped, []],
      ['bare-address', { destinationCIDRs: ['10.1.2.3'], selectors: backend }, gw4, ['spec.destinationCIDRs[0]']],
      // The template writes interface unquoted: an interface named "on" arrives as true.
      ['named', { destinationCIDRs: ['0.0.0.0/0'], selectors: backend }, named, ['spec.egressGatewayName']],
    ];
    for (const [name, spec, gw, fields] of cases) {
      const f = new Findings();
      checkPolicyRender(name, { spec }, gw, new MemoryClusterState(), f);
      assert.deepEqual(f.errors.map((e) => e.field), fields, name);
      const rendered = renderPolicy(name, { spec }, renderGateway({ name: gw.name, mode: gw.mode, ip: gw.ipText, interfaceName: gw.interfaceName }));
      const r = env.kubectl(['apply', '--dry-run=server', '-f', '-'], yaml(rendered));
      assert.equal(r.code, fields.length === 0 ? 0 : 1, `${name}: ${r.stderr}`);
    }
  });

  it('warnings appear as Warning: lines, from nodes and agents set up through the API', () => {
    const one = apply(gateway('solo-c', { nodeSelector: { solo: 'c' }, sourceIP: primary }));
    assert.equal(one.code, 0);
    assert.deepEqual(one.err, ['Warning: no eligible node, traffic will be dropped: egress-c (cordoned)']);
    const d = apply(gateway('solo-d', { nodeSelector: { solo: 'd' }, sourceIP: primary }));
    assert.deepEqual(d.err, ['Warning: no eligible node, traffic will be dropped: egress-d (not Ready)']);
    const none = apply(gateway('nobody', { nodeSelector: { 'dedicated/egrss': '' }, sourceIP: primary }));
    assert.deepEqual(none.err, ["Warning: no node matches spec.nodeSelector dedicated/egrss=; traffic of this gateway's policies is dropped until one does"]);
    const single = apply(gateway('single', { nodeSelector: { only: 'a' }, sourceIP: primary }));
    assert.deepEqual([single.code, single.err], [0, ['Warning: only node egress-a is eligible: no standby, so no failover if it fails; prepare a second node']]);
    const good = apply(gateway('pair', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: primary }));
    assert.deepEqual([good.code, good.err], [0, []], 'egress-a and egress-b are eligible: no warning');
  });

  describe('CiliumEgressGatewayPolicy', () => {
    const cegp = (name: string, spec: unknown, labels?: Record<string, string>) =>
      yaml({ apiVersion: 'cilium.io/v2', kind: 'CiliumEgressGatewayPolicy', metadata: { name, ...(labels ? { labels } : {}) }, spec });
    const pods = [{ podSelector: { matchLabels: { app: 'payment' } } }];
    const cspec = (gw: Record<string, unknown>) => ({ selectors: pods, destinationCIDRs: ['0.0.0.0/0'], egressGateway: gw });
    after(() => env.must(['delete', 'ciliumegressgatewaypolicies', '--all', '--wait=true']));

    const firstOfTwo = 'Warning: Cilium uses only egress-a (first by name of 2 nodes matching spec.egressGateway.nodeSelector): no failover';
    const seeds: Record<string, string[]> = {
      'external-api-egress': [
        firstOfTwo,
        ...kubectlInvalid('CiliumEgressGatewayPolicy "external-api-egress"', [
          'spec.egressGateway.egressIP: Forbidden: may not be set together with interface: Cilium ignores a policy whose gateway sets both; keep one of them',
        ]),
      ],
      'payment-egress': [firstOfTwo],
      'analytics-egress': [firstOfTwo],
      'production-namespace-egress': [firstOfTwo],
      'aws-services-egress': [],
      'azure-services-egress': ['Warning: no node matches spec.egressGateway.nodeSelector; Cilium drops the traffic of this policy until one does'],
      'multi-criteria-egress': [firstOfTwo],
      'ha-egress-gateway': [firstOfTwo],
    };
    for (const { object } of parseManifests(readFileSync(fromRoot('test/fixtures/seeds/cilium-egress-gateway-guide.yaml'), 'utf8'))) {
      const name = (object['metadata'] as { name: string }).name;
      it(`the Cilium guide's ${name}: what kubectl apply prints`, () => {
        const r = apply(yaml(object));
        assert.deepEqual(r.err, seeds[name]);
        assert.equal(r.code, name === 'external-api-egress' ? 1 : 0);
      });
    }

    const denials: [string, string, string[]][] = [
      // Cilium's kind has no mutating webhook: what its CRD refuses (here egressIP's format ipv4) the API server says first.
      ['unparsable egressIP', cegp('bad-ip', cspec({ nodeSelector: { matchLabels: { only: 'a' } }, egressIP: '10.0.1.300' })), ['spec.egressGateway.egressIP: Invalid value: "10.0.1.300": spec.egressGateway.egressIP in body must be of type ipv4: "10.0.1.300"']],
      [
        'selector entry with neither pod nor namespace selector',
        cegp('no-pods', { ...cspec({ nodeSelector: { matchLabels: { only: 'a' } } }), selectors: [{ nodeSelector: { matchLabels: { zone: 'a' } } }] }),
        ['spec.selectors[0]: Required value: podSelector or namespaceSelector; an entry without either makes Cilium ignore the whole policy'],
      ],
    ];
    for (const [what, doc, causes] of denials) {
      it(`kubectl apply is refused: ${what}`, () => {
        const name = JSON.parse(doc).metadata.name;
        const r = apply(doc);
        assert.deepEqual([r.code, r.err], [1, kubectlInvalid(`CiliumEgressGatewayPolicy "${name}"`, causes)]);
      });
    }

    it('an empty destination list is stored with a warning: Cilium accepts it and routes nothing', () => {
      const r = apply(cegp('no-dest', { ...cspec({ nodeSelector: { matchLabels: { only: 'a' } } }), destinationCIDRs: [] }));
      assert.deepEqual([r.code, r.err], [0, ['Warning: spec.destinationCIDRs is empty, so this policy routes no traffic through the gateway; add a CIDR']]);
    });

    it('warnings from nodes and agents set up through the API', () => {
      const cordoned = apply(cegp('on-c', cspec({ nodeSelector: { matchLabels: { solo: 'c' } } })));
      assert.deepEqual([cordoned.code, cordoned.err], [0, ['Warning: no eligible node for spec.egressGateway, traffic will be dropped: egress-c (cordoned)']]);
      const other = apply(cegp('other-ip', cspec({ nodeSelector: { matchLabels: { only: 'a' } }, egressIP: '192.0.2.12' })));
      assert.deepEqual([other.code, other.err], [0, ['Warning: spec.egressGateway.egressIP 192.0.2.12 is the InternalIP of node egress-b, not of gateway node egress-a']]);
    });

    it('objects the platform renders (heritage=deckhouse) are not sent to the webhook', () => {
      const r = apply(cegp('d8.rendered', cspec({ nodeSelector: { matchLabels: { only: 'a' } }, egressIP: '10.0.1.100', interface: 'eth0' }), { heritage: 'deckhouse' }));
      assert.deepEqual([r.code, r.err], [0, []]);
    });
  });

  it('a policy naming a missing gateway is refused; once the gateway is applied it passes', () => {
    const doc = policy('late', { egressGatewayName: 'late-gw', selectors: backend });
    const r = apply(doc);
    assert.deepEqual(
      r.err,
      kubectlInvalid('EgressGatewayPolicy "late"', ['spec.egressGatewayName: Not found: "late-gw": no EgressGateway has this name; create it first (kubectl get egressgateways lists them)']),
    );
    // Applied back to back: the live lookup finds the gateway even before the watch delivers it.
    assert.equal(apply(gateway('late-gw', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: primary })).code, 0);
    const ok = apply(doc);
    assert.deepEqual([ok.code, ok.err], [0, []]);
  });

  it('deleting a gateway still in use is refused, naming the policies', async () => {
    await eventually('the webhook cache to see policy late', () => env.kubectl(['delete', 'egressgateway', 'late-gw', '--dry-run=server']).code !== 0);
    const r = env.kubectl(['delete', 'egressgateway', 'late-gw']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error from server (Forbidden): admission webhook "${webhookName}" denied the request: EgressGateway "late-gw" is forbidden: still used by EgressGatewayPolicy "late"; delete that policy or change its spec.egressGatewayName first`,
    );
    env.must(['delete', 'egressgatewaypolicy', 'late']);
    await eventually('the delete to pass once the policy is gone', () => env.kubectl(['delete', 'egressgateway', 'late-gw']).code === 0);
  });

  it('metrics show the live cache synced per kind', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      get(`http://127.0.0.1:${metricsPort}/metrics`, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    for (const kind of ['nodes', 'cilium-agents', 'egress-gateway-agents', 'egressgateways', 'egressgatewaypolicies']) {
      assert.ok(text.includes(`egress_gateway_webhook_cache_synced{kind="${kind}"} 1`), kind);
      assert.match(text, new RegExp(`egress_gateway_webhook_cache_last_sync_timestamp_seconds\\{kind="${kind}"\\} \\d+`));
    }
  });

  it("the chart's RBAC for the Cilium policy CRD, by name, is enough to get, list and watch it (metadata.name field selector)", () => {
    const rule = render([]).objects.find((o: any) => o.kind === 'ClusterRole').rules.find((r: any) => r.apiGroups.includes('apiextensions.k8s.io'));
    env.must(['apply', '-f', '-'], yaml({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'egw-crd-reader' }, rules: [rule] },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'egw-crd-reader' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'egw-crd-reader' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'egw-reader' }],
        },
      ],
    }));
    const as = ['--as', 'egw-reader'];
    const name = 'ciliumegressgatewaypolicies.cilium.io';
    assert.equal(env.must(['get', 'crd', name, '-o', 'name', ...as]).trim(), `customresourcedefinition.apiextensions.k8s.io/${name}`);
    assert.equal(env.must(['get', 'crd', '--field-selector', `metadata.name=${name}`, '-o', 'name', ...as]).trim(), `customresourcedefinition.apiextensions.k8s.io/${name}`);
    const watched = env.must(['get', '--raw', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions?fieldSelector=metadata.name%3D${name}&watch=true&timeoutSeconds=1`, ...as]);
    assert.equal(JSON.parse(watched.trim().split('\n')[0]!).object.metadata.name, name);
    const other = env.kubectl(['get', 'crd', 'egressgateways.network.deckhouse.io', ...as]);
    assert.match(other.stderr, /Forbidden/);
  });

  it('every manifest the chart renders, in every mode, is accepted by kubectl apply --dry-run=server', () => {
    env.must(['create', 'namespace', 'd8-system']);
    // Stand-ins for the CRDs of cert-manager and the Prometheus operator, which the optional modes use.
    const stub = (group: string, kind: string, plural: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    env.must(['apply', '-f', '-'], yaml({ apiVersion: 'v1', kind: 'List', items: [stub('cert-manager.io', 'Certificate', 'certificates'), stub('cert-manager.io', 'Issuer', 'issuers'), stub('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors')] }));
    env.must(['wait', '--for=condition=Established', 'crd/certificates.cert-manager.io', 'crd/issuers.cert-manager.io', 'crd/servicemonitors.monitoring.coreos.com']);
    // Rendered for the API server at hand (helm's own default version is newer), as helm install would.
    const kubeVersion = env.kubernetesVersion();
    const modes = [[], ['tls.mode=certManager'], ['tls.mode=existingSecret', 'tls.caBundle=QUJD'], ['crds.install=true'], ['metrics.serviceMonitor.enabled=true'], ['networkPolicy.enabled=false'],
      ['kinds.ciliumEgressGatewayPolicy=true'], ['kinds.deckhouse=false', 'kinds.ciliumEgressGatewayPolicy=true', 'agents.namespace=kube-system'],
      ['hostNetwork=true', 'webhook.port=10443', 'metrics.port=10090'], ['webhook.enforcement=warn'], ['replicaCount=1', 'tls.keepSecretOnUninstall=true'],
      ['webhook.breakGlass.groups[0]=system:masters', 'webhook.breakGlass.serviceAccounts[0]=kube-system/cni-repair']];
    for (const sets of modes) {
      const r = render(sets, { kubeVersion });
      assert.equal(r.error, undefined);
      const applied = env.kubectl(['apply', '--dry-run=server', '-f', '-'], r.yaml);
      assert.equal(applied.code, 0, `${sets.join(' ')}: ${applied.stderr}`);
      assert.equal(applied.stdout.trim().split('\n').length, r.objects.length, `${sets.join(' ')}: every object`);
      assert.ok(applied.stdout.trim().split('\n').every((l) => l.endsWith('(server dry run)')));
    }
  });

  it('the helm test of the chart passes against this webhook, and fails when the webhook does not deny', async () => {
    // The rendered test script, run here with the admin token instead of its service account's.
    const hooks = render([]).objects.filter(isTestHook);
    const configMap = hooks.find((o) => o.kind === 'ConfigMap');
    const dir = join(env.dir, 'helm-test');
    mkdirSync(join(dir, 'sa'), { recursive: true });
    for (const [file, text] of Object.entries<string>(configMap.data)) writeFileSync(join(dir, file), text);
    writeFileSync(join(dir, 'sa', 'token'), /token: (\S+)\}/.exec(readFileSync(env.kubeconfig, 'utf8'))![1]!);
    writeFileSync(join(dir, 'sa', 'ca.crt'), readFileSync(join(env.dir, 'apiserver-certs', 'apiserver.crt')));
    const runTest = (enforcement: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [join(dir, 'check.mjs')], { env: { ...process.env, SA_DIR: join(dir, 'sa'), API_SERVER: `https://127.0.0.1:${env.apiPort}`, ENFORCEMENT: enforcement } });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (out += c));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const denied = await runTest('deny');
    assert.equal(denied.code, 0, denied.out);
    assert.equal(
      denied.out,
      'ok: the webhook refused the invalid object: admission webhook "validate.egress-gateway.network.deckhouse.io" denied the request: EgressGateway "egw-egress-gateway-webhook-helm-test" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "192.0.2.1/32": must be a single address without a prefix length; did you mean "192.0.2.1"?\n',
    );
    const expectedWarning = await runTest('warn');
    assert.equal(expectedWarning.code, 1, 'a webhook that denies fails the warn-mode test');
    assert.match(expectedWarning.out, /^FAIL: warn mode: the dry-run create should pass\nHTTP 422/);
    // The same test against a replica in warn mode, with the same certificate.
    const port = await freePort();
    const warnReplica = spawn(process.execPath, [fromRoot('dist/src/cli/main.js'), 'serve', '--kubeconfig', env.kubeconfig, '--port', String(port), '--metrics-port', '0', '--cert-dir', join(env.dir, 'webhook-certs'), '--enforcement', 'warn', '--log-level', 'warn'], { stdio: 'ignore' });
    const url = (u: string) => [{ op: 'replace', path: '/webhooks/0/clientConfig/url', value: u }];
    try {
      await eventually('the warn-mode replica', async () => (await httpsRequest(`https://127.0.0.1:${port}/readyz`, { ca, method: 'GET' }).catch(() => undefined))?.status === 200);
      env.must(['patch', 'validatingwebhookconfiguration', 'egress-gateway-webhook', '--type=json', '-p', JSON.stringify(url(`https://127.0.0.1:${port}/validate`))]);
      const warned = await runTest('warn');
      assert.equal(warned.code, 0, warned.out);
      assert.equal(warned.out, 'ok: the webhook answered with the warning: would be denied: spec.sourceIP.virtualIPAddress.ip: Invalid value: "192.0.2.1/32": must be a single address without a prefix length; did you mean "192.0.2.1"?\n');
      const r = apply(gateway('warned', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('198.51.100.60/32') }));
      assert.deepEqual(r.err, ['Warning: would be denied: spec.sourceIP.virtualIPAddress.ip: Invalid value: "198.51.100.60/32": must be a single address without a prefix length; did you mean "198.51.100.60"?']);
      assert.equal(r.code, 0);
    } finally {
      env.must(['patch', 'validatingwebhookconfiguration', 'egress-gateway-webhook', '--type=json', '-p', JSON.stringify(url(webhookUrl + '/validate'))]);
      warnReplica.kill('SIGTERM');
      env.kubectl(['delete', 'egressgateway', 'warned', '--ignore-not-found']);
    }
  });

  it("NOTES' failurePolicy switch lets applies through while the webhook is unreachable", () => {
    // The chart's own configurations, for a Service that has no pods: every apply of the resources fails.
    const r = render(['kinds.ciliumEgressGatewayPolicy=true'], { kubeVersion: env.kubernetesVersion() });
    const configs = r.objects.filter((o) => o.kind.endsWith('WebhookConfiguration'));
    env.must(['apply', '-f', '-'], yaml({ apiVersion: 'v1', kind: 'List', items: configs }));
    try {
      const doc = gateway('switched', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: primary });
      const blocked = apply(doc);
      assert.equal(blocked.code, 1);
      assert.match(blocked.err.join('\n'), /failed calling webhook "(validate|mutate)\.egress-gateway\.network\.deckhouse\.io"/);
      const commands = notes(['kinds.ciliumEgressGatewayPolicy=true'])
        .split('\n')
        .filter((l) => l.startsWith('  kubectl patch '))
        .map((l) => l.trim());
      assert.equal(commands.length, 2);
      for (const command of commands) {
        // kubectl patch KIND NAME --type=json -p '<json>'
        const m = /^kubectl patch (\S+) (\S+) --type=json -p '(.*)'$/.exec(command)!;
        env.must(['patch', m[1]!, m[2]!, '--type=json', '-p', m[3]!]);
      }
      const ciliumHook = JSON.parse(env.must(['get', 'validatingwebhookconfiguration', 'egw-egress-gateway-webhook', '-o', 'json'])).webhooks;
      assert.deepEqual(ciliumHook.map((w: any) => w.failurePolicy), ['Ignore', 'Ignore']);
      const passed = apply(doc);
      assert.deepEqual([passed.code, passed.err], [0, []]);
    } finally {
      env.must(['delete', 'validatingwebhookconfiguration,mutatingwebhookconfiguration', 'egw-egress-gateway-webhook']);
      env.kubectl(['delete', 'egressgateway', 'switched', '--ignore-not-found']);
    }
  });

  it("with the chart's own service account and RBAC: the empty Secret is filled (no create), the caBundle injected, the cache synced", async () => {
    env.kubectl(['create', 'namespace', 'd8-system']); // made by an earlier test when run in order
    // What the chart installs for secret mode, except the Deployment (no kubelet here; the server runs as a
    // child process with the service account's token) and with failurePolicy Ignore, as the configurations'
    // Service has no pods here.
    const r = render(['webhook.failurePolicy=Ignore'], { kubeVersion: env.kubernetesVersion() });
    const wanted = new Set(['ServiceAccount', 'Secret', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);
    const items = r.objects.filter((o) => wanted.has(o.kind) && !isTestHook(o));
    env.must(['apply', '-f', '-'], yaml({ apiVersion: 'v1', kind: 'List', items }));
    const sa = 'system:serviceaccount:d8-system:egw-egress-gateway-webhook';
    assert.equal(env.kubectl(['auth', 'can-i', 'create', 'secrets', '-n', 'd8-system', '--as', sa]).stdout.trim(), 'no');
    assert.equal(env.kubectl(['auth', 'can-i', 'get', 'secrets/other', '-n', 'd8-system', '--as', sa]).stdout.trim(), 'no');
    const token = env.must(['-n', 'd8-system', 'create', 'token', 'egw-egress-gateway-webhook']).trim();
    const kubeconfig = join(env.dir, 'chart-sa.kubeconfig');
    writeFileSync(kubeconfig, readFileSync(env.kubeconfig, 'utf8').replace(/token: \S+\}/, `token: ${token}}`));
    const port = await freePort();
    const args = ['serve', '--kubeconfig', kubeconfig, '--port', String(port), '--metrics-port', '0', '--tls-secret', 'egw-egress-gateway-webhook-tls', '--namespace', 'd8-system',
      '--service', 'egw-egress-gateway-webhook', '--san', '127.0.0.1', '--webhook-config', 'egw-egress-gateway-webhook', '--log-level', 'warn'];
    const server = spawn(process.execPath, [fromRoot('dist/src/cli/main.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    const secret = () => JSON.parse(env.must(['-n', 'd8-system', 'get', 'secret', 'egw-egress-gateway-webhook-tls', '-o', 'json']));
    try {
      await eventually('the Secret to be filled', () => secret().data?.['tls.crt'] !== undefined);
      const filled = secret();
      assert.equal(filled.type, 'Opaque', 'the type the chart gave it');
      assert.equal(filled.metadata.labels['app.kubernetes.io/managed-by'], 'Helm', "Helm's ownership label kept");
      assert.deepEqual(Object.keys(filled.data).sort(), ['ca-bundle.crt', 'ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
      const bundle = (kind: string) => env.must(['get', kind, 'egw-egress-gateway-webhook', '-o', 'jsonpath={.webhooks[*].clientConfig.caBundle}']);
      await eventually('the caBundle in both configurations', () => bundle('validatingwebhookconfiguration') === filled.data['ca-bundle.crt'] && bundle('mutatingwebhookconfiguration') === filled.data['ca-bundle.crt']);
      const secretCA = Buffer.from(filled.data['ca.crt'], 'base64').toString('utf8');
      // Ready: every kind listed and watched with the chart's read rights.
      await eventually('/readyz', async () => (await httpsRequest(`https://127.0.0.1:${port}/readyz`, { ca: secretCA, method: 'GET' }).catch(() => undefined))?.status === 200);
    } finally {
      server.kill('SIGTERM');
      env.must(['delete', 'validatingwebhookconfiguration,mutatingwebhookconfiguration', 'egw-egress-gateway-webhook']);
    }
  });

  it('survives an API server restart and keeps answering from a cache that catches up', async () => {
    await env.stopApiServer();
    assert.ok(await ready(), 'the webhook stays ready on its cache while the API server is away');
    await env.startApiServer();
    assert.equal(apply(gateway('after-restart', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('198.51.100.99') })).code, 0);
    // A virtual-IP conflict is only found in the cache: this passes once the watch has resumed.
    await eventually('the watch to resume after the restart', () => {
      const r = apply(gateway('after-restart-2', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('198.51.100.99') }));
      return r.code === 1 && r.err[0]!.includes('already the virtual IP of EgressGateway "after-restart"');
    });
  });

  it('two replicas started at once make one Secret and one CA, inject the caBundle, and serve kubectl', async () => {
    // Hand over from the hand-registered webhook to replicas that make their own certificates.
    env.must(['delete', 'validatingwebhookconfiguration,mutatingwebhookconfiguration', 'egress-gateway-webhook']);
    const ports = [await freePort(), await freePort()];
    env.must(['apply', '-f', '-'], webhookConfigurations(ports[0]!, '', 'egw-bootstrap'));
    const replicas = ports.map((port) =>
      spawn(
        process.execPath,
        [fromRoot('dist/src/cli/main.js'), 'serve', '--kubeconfig', env.kubeconfig, '--port', String(port), '--metrics-port', '0', '--tls-secret', 'egw-tls',
          '--namespace', 'default', '--service', 'egw', '--san', '127.0.0.1', '--webhook-config', 'egw-bootstrap', '--tls-check-interval', '1', '--log-level', 'warn'],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      ),
    );
    try {
      await eventually('the Secret', () => env.kubectl(['-n', 'default', 'get', 'secret', 'egw-tls']).code === 0);
      const secret = JSON.parse(env.must(['-n', 'default', 'get', 'secret', 'egw-tls', '-o', 'json']));
      const secretCA = Buffer.from(secret.data['ca.crt'], 'base64').toString('utf8');
      // Both replicas serve a certificate of that one CA, valid for the Service's names.
      const fingerprints: string[] = [];
      for (const port of ports) {
        await eventually(`replica on ${port}`, async () => (await httpsRequest(`https://127.0.0.1:${port}/readyz`, { ca: secretCA, method: 'GET' }).catch(() => undefined))?.status === 200);
        const r = await new Promise<{ authorized: boolean; fp: string }>((resolve, reject) => {
          const s = tlsConnect({ host: '127.0.0.1', port, ca: secretCA, servername: 'egw.default.svc' }, () => {
            resolve({ authorized: s.authorized, fp: s.getPeerCertificate().fingerprint256 });
            s.end();
          });
          s.on('error', reject);
        });
        assert.equal(r.authorized, true);
        fingerprints.push(r.fp);
      }
      assert.equal(fingerprints[0], fingerprints[1], 'one serving certificate for both');
      assert.equal(env.must(['-n', 'default', 'get', 'secrets', '-l', 'app.kubernetes.io/managed-by=egress-gateway-webhook', '-o', 'name']).trim(), 'secret/egw-tls');
      const bundle = () => env.must(['get', 'validatingwebhookconfiguration', 'egw-bootstrap', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']);
      await eventually('the caBundle', () => bundle() === secret.data['ca-bundle.crt']);
      assert.equal(env.must(['get', 'mutatingwebhookconfiguration', 'egw-bootstrap', '-o', 'jsonpath={.webhooks[0].clientConfig.caBundle}']), secret.data['ca-bundle.crt']);
      // kubectl through the API server, trusting only what the replicas set up.
      const bad = apply(gateway('bootstrapped', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { ...vip('198.51.100.50'), mode: 'VirtualIP' } }));
      assert.deepEqual(bad.err, kubectlInvalid('EgressGateway "bootstrapped"', ['spec.sourceIP.mode: Unsupported value: "VirtualIP": supported values: "PrimaryIPFromEgressGatewayNodeInterface", "VirtualIPAddress"; did you mean "VirtualIPAddress"?']));
      assert.equal(apply(gateway('bootstrapped', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: vip('198.51.100.50') })).code, 0);
      // A reset caBundle (as a helm upgrade would do) is written again.
      env.must(['patch', 'validatingwebhookconfiguration', 'egw-bootstrap', '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/webhooks/0/clientConfig/caBundle' }])]);
      await eventually('the caBundle to be restored', () => bundle() === secret.data['ca-bundle.crt']);
    } finally {
      for (const r of replicas) r.kill('SIGTERM');
      env.must(['delete', 'validatingwebhookconfiguration,mutatingwebhookconfiguration', 'egw-bootstrap']);
    }
  });
});
