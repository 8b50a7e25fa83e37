import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { parse } from 'yaml';
import { deckhouseAgents } from '../src/cluster/agents.js';
import { ciliumCRDHandlers, schemaFromCRD } from '../src/cluster/cilium-crd.js';
import { loadStateFiles } from '../src/cluster/file-state.js';
import { MemoryClusterState } from '../src/cluster/memory-state.js';
import { validateManifests } from '../src/cli/validate.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { bundledCiliumPolicyCRD } from '../src/resources/egressgatewaypolicy/bundled-cilium-crd.js';
import { checkGatewayRender, checkPolicyRender, renderSchema } from '../src/resources/egressgatewaypolicy/render-check.js';
import { plainScalar, renderGateway, renderPolicy } from '../src/resources/egressgatewaypolicy/render.js';
import { formatFieldError } from '../src/rules/field.js';
import { Findings } from '../src/rules/findings.js';
import { fromRoot } from './helpers/paths.js';

// The render model (what the platform's template makes of a policy and its gateway), the check of that object
// against the CiliumEgressGatewayPolicy schema the cluster has, and the project's copies of the platform's CRDs.

const backend = [{ podSelector: { matchLabels: { app: 'backend' } } }];
const active = 'egress-gateway.network.deckhouse.io/active-for-gw';

/** A state whose installed Cilium CRD allows only lowercase letters as matchLabels values of a podSelector. */
function stateWithLowercaseLabelValues(): MemoryClusterState {
  const crd = structuredClone(bundledCiliumPolicyCRD) as any;
  const selectorItems = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.selectors.items;
  selectorItems.properties.podSelector = { type: 'object', properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string', pattern: '^[a-z]+$' } } } };
  const state = new MemoryClusterState();
  state.setCiliumPolicySchema(schemaFromCRD({ ...crd, metadata: { name: 'ciliumegressgatewaypolicies.cilium.io', resourceVersion: '9' } }, 'cluster')!);
  return state;
}

describe('render model', () => {
  it('a policy of a virtual-IP gateway: d8.<name>, module labels, selectors and destinations verbatim, egressIP', () => {
    const policy = { spec: { egressGatewayName: 'gw', selectors: backend, destinationCIDRs: ['0.0.0.0/0'], excludedCIDRs: ['10.0.0.0/8'] } };
    assert.deepEqual(renderPolicy('p', policy, renderGateway({ name: 'gw', mode: 'VirtualIPAddress', ip: '172.18.18.242', interfaceName: 'eth9' })), {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumEgressGatewayPolicy',
      metadata: { name: 'd8.p', labels: { heritage: 'deckhouse', module: 'cni-cilium' } },
      spec: {
        selectors: backend,
        destinationCIDRs: ['0.0.0.0/0'],
        excludedCIDRs: ['10.0.0.0/8'],
        egressGateway: { nodeSelector: { matchLabels: { [active]: '' } }, egressIP: '172.18.18.242' },
      },
    });
  });

  it('basic mode renders interface; an empty excludedCIDRs is left out, an absent list is null and dropped', () => {
    const policy = { spec: { egressGatewayName: 'gw', destinationCIDRs: ['0.0.0.0/0'], excludedCIDRs: [] } };
    assert.deepEqual(renderPolicy('p', policy, renderGateway({ name: 'gw', mode: 'PrimaryIPFromEgressGatewayNodeInterface', interfaceName: 'eth1' })).spec, {
      destinationCIDRs: ['0.0.0.0/0'],
      egressGateway: { nodeSelector: { matchLabels: { [active]: '' } }, interface: 'eth1' },
    });
  });

  it('the unquoted gateway scalars read back as YAML 1.1 reads them', () => {
    assert.deepEqual(
      ['eth1', '172.18.18.242', '2001:db8::1', 'on', 'No', '1', '0x1f', '1.5', '~', ''].map(plainScalar),
      ['eth1', '172.18.18.242', '2001:db8::1', true, false, 1, 31, 1.5, null, null],
    );
    assert.deepEqual(renderGateway({ name: 'gw', mode: 'PrimaryIPFromEgressGatewayNodeInterface', interfaceName: 'null' }), { nodeSelector: { matchLabels: { [active]: '' } } });
  });
});

const errorsOf = (f: Findings) => f.errors.map((e) => `${e.rule} ${formatFieldError(e)}`);
const cilium117 = "Cilium 1.17's CiliumEgressGatewayPolicy CRD (bundled with Deckhouse)";

describe('render check', () => {
  it('an interface name YAML reads as a boolean is refused, saying why', () => {
    const f = new Findings();
    checkGatewayRender({ name: 'gw', mode: 'PrimaryIPFromEgressGatewayNodeInterface', interfaceName: 'on' }, new MemoryClusterState(), f);
    assert.deepEqual(errorsOf(f), [
      `cilium-render spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Invalid value: "on": the platform writes it as spec.egressGateway.interface into the CiliumEgressGatewayPolicy of every EgressGatewayPolicy naming this gateway, which would be refused: ${cilium117} wants a string, and the template writes this unquoted, which YAML reads as true`,
    ]);
  });

  it('an interface name YAML reads as something else, or cannot read, fails the render', () => {
    const verdict = (interfaceName: string) => {
      const f = new Findings();
      checkGatewayRender({ name: 'gw', mode: 'PrimaryIPFromEgressGatewayNodeInterface', interfaceName }, new MemoryClusterState(), f);
      // What follows the place it is written to.
      return f.errors.map((e) => e.detail!.replace(/^the platform writes it (unquoted )?as spec\.egressGateway\.interface into the CiliumEgressGatewayPolicy of every EgressGatewayPolicy naming this gateway, /, ''));
    };
    assert.deepEqual(verdict('eth1'), []);
    assert.deepEqual(verdict('[eth1]'), [`which would be refused: ${cilium117} wants a string, and the template writes this unquoted, which YAML reads as ["eth1"]`]);
    for (const unreadable of ['*eth1', '&eth1', '!eth1', "'eth1", '|eth1', '-']) {
      assert.deepEqual(verdict(unreadable), ['unquoted, and YAML cannot read it there: that render fails'], unreadable);
    }
    // Go's integer syntax, as go-yaml reads a plain scalar (checked against go-yaml v2): an integer is refused.
    for (const integer of ['0o7', '0O7', '0X10', '0B1', '-0o7', '+0x1f', '1_0', '0777', '08', '18446744073709551615']) {
      assert.equal(verdict(integer).length, 1, integer);
    }
    for (const integer of ['+0x7fffffffffffffff', '-0x8000000000000000', '.5', '.5e3']) assert.equal(verdict(integer).length, 1, integer);
    for (const name of ['0x_', '0b2', '0o8', '1.2.3', '0x10000000000000000', '+0x8000000000000000', '-0x8000000000000001', '-.nan', 'eth0.100', '1e400', '.5e999']) {
      assert.deepEqual(verdict(name), [], name);
    }
    // Names YAML reads as null or "": the render passes without an interface, and Cilium takes the default route's.
    for (const nothing of ['null', 'Null', 'NULL', '~', '|', '>']) {
      assert.deepEqual(verdict(nothing), ['and YAML reads it as nothing there: Cilium would then use the interface of the default route; name the real interface'], nothing);
    }
  });

  it('format ipv4 as Kubernetes checks it: an address Go parses, with a dot', () => {
    const verdict = (ip: string) => {
      const f = new Findings();
      checkGatewayRender({ name: 'gw', mode: 'VirtualIPAddress', ip }, new MemoryClusterState(), f);
      return f.errors.length === 0;
    };
    assert.deepEqual(['10.0.0.1', '::ffff:10.0.0.1', '010.0.0.1', '2001:db8::1', '10.0.0.256'].map(verdict), [true, true, false, false, false]);
  });

  it('a policy whose gateway is unknown: only its own part is checked', () => {
    const f = new Findings();
    checkPolicyRender('p', { spec: { destinationCIDRs: ['2001:db8::/32'], selectors: backend } }, undefined, new MemoryClusterState(), f);
    assert.deepEqual(errorsOf(f), [
      `cilium-render spec.destinationCIDRs[0]: Invalid value: "2001:db8::/32": ${cilium117} takes IPv4 CIDRs only: the platform renders this policy as "d8.p", which would be refused`,
    ]);
  });

  it("reports a map key of the rendered object as the label rules do: matchLabels[key]", () => {
    const state = stateWithLowercaseLabelValues();
    const f = new Findings();
    checkPolicyRender('p', { spec: { destinationCIDRs: ['10.0.0.0/8'], selectors: [{ podSelector: { matchLabels: { app: '-bad-' } } }] } }, undefined, state, f);
    assert.deepEqual(f.errors.map((e) => e.field), ['spec.selectors[0].podSelector.matchLabels[app]']);
  });

  it('past 1,000 selectors: each one that is an object is checked alone and reported where it is, deep paths included', () => {
    const state = stateWithLowercaseLabelValues();
    const good = { podSelector: { matchLabels: { app: 'a' } } };
    const bad = { podSelector: { matchLabels: { app: '-bad-' } } };
    const selectors: unknown[] = Array.from({ length: 1500 }, () => good);
    selectors[999] = bad;
    selectors[1200] = bad;
    selectors[1300] = 7; // no object: the structure reports it, the render check does not look
    const f = new Findings();
    checkPolicyRender('p', { spec: { destinationCIDRs: ['10.0.0.0/8'], selectors } }, undefined, state, f, { destinationCIDRs: [0], excludedCIDRs: [] });
    assert.deepEqual(
      f.errors.map((e) => e.field),
      ['spec.selectors[999].podSelector.matchLabels[app]', 'spec.selectors[1200].podSelector.matchLabels[app]'],
    );
  });

  it('judges only the CIDR entries the policy accepts, and reports them at the index the user wrote', () => {
    const f = new Findings();
    const destinationCIDRs = ['not-a-cidr', '10.0.0.1/8', '2001:db8::/32'];
    checkPolicyRender('p', { spec: { destinationCIDRs, selectors: backend } }, undefined, new MemoryClusterState(), f, { destinationCIDRs: [2], excludedCIDRs: [] });
    assert.deepEqual(errorsOf(f), [
      `cilium-render spec.destinationCIDRs[2]: Invalid value: "2001:db8::/32": ${cilium117} takes IPv4 CIDRs only: the platform renders this policy as "d8.p", which would be refused`,
    ]);
  });

  it("the cluster's CRD replaces the bundled one; a watch keeps one object per resourceVersion (compiled once)", () => {
    const state = new MemoryClusterState();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line).ciliumPolicySchema) });
    const handlers = ciliumCRDHandlers(state, logger);
    assert.equal(renderSchema(state).origin, 'bundled');
    const crd = (rv: string) => ({ ...structuredClone(bundledCiliumPolicyCRD), metadata: { name: 'ciliumegressgatewaypolicies.cilium.io', resourceVersion: rv } });
    handlers.upsert(handlers.reduce(crd('7'))!);
    const first = state.ciliumPolicySchema();
    handlers.upsert(handlers.reduce(crd('7'))!);
    assert.equal(state.ciliumPolicySchema(), first, 'a relist of the same version keeps the object');
    handlers.upsert(handlers.reduce(crd('8'))!);
    assert.notEqual(state.ciliumPolicySchema(), first);
    handlers.remove('ciliumegressgatewaypolicies.cilium.io');
    assert.equal(renderSchema(state).origin, 'bundled');
    assert.deepEqual(lines, [
      'CRD ciliumegressgatewaypolicies.cilium.io (resourceVersion 7) from the cluster',
      'CRD ciliumegressgatewaypolicies.cilium.io (resourceVersion 8) from the cluster',
      'bundled: Cilium 1.17, as Deckhouse ships it',
    ]);
  });

  it('a CRD schema ajv cannot compile (a Go-only pattern) falls back to the bundled one', () => {
    const state = new MemoryClusterState();
    const crd = structuredClone(bundledCiliumPolicyCRD);
    (crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.destinationCIDRs.items as { pattern: string }).pattern = '(?i)^x$';
    state.setCiliumPolicySchema(schemaFromCRD(crd, 'cluster'));
    assert.equal(renderSchema(state).origin, 'bundled');
  });

  it('a cluster state dump with the CRD uses it; another CRD, or one without a served v2, is not it', async () => {
    const state = await loadStateFiles([fromRoot('test/fixtures/crds/cilium-ipv6-crd.yaml')], deckhouseAgents);
    assert.equal(state.ciliumPolicySchema()?.origin, 'file');
    assert.equal(schemaFromCRD({ ...bundledCiliumPolicyCRD, metadata: { name: 'other.cilium.io' } }, 'file'), undefined);
    const unserved = structuredClone(bundledCiliumPolicyCRD);
    unserved.spec.versions[0]!.served = false;
    assert.equal(schemaFromCRD(unserved, 'file'), undefined);
  });
});

describe('render check offline (validate)', () => {
  const input = {
    path: 'p.yaml',
    text: [
      'apiVersion: network.deckhouse.io/v1alpha1',
      'kind: EgressGatewayPolicy',
      'metadata: {name: v6}',
      'spec: {egressGatewayName: egress-gw, destinationCIDRs: ["2001:db8::/32"], selectors: [{podSelector: {matchLabels: {app: x}}}]}',
    ].join('\n'),
  };
  const run = (clusterState: string[]) => validateManifests([input], { clusterState, agents: deckhouseAgents, rules: defaultRulesConfig });

  it('the same verdict as the webhook: the bundled schema refuses IPv6', async () => {
    const report = await run([fromRoot('examples/cluster-state.yaml')]);
    assert.deepEqual(report.resources[0]!.findings.map((f) => f.message), [
      `spec.destinationCIDRs[0]: Invalid value: "2001:db8::/32": ${cilium117} takes IPv4 CIDRs only: the platform renders this policy as "d8.v6", which would be refused`,
    ]);
  });

  it('with a dumped CRD that takes IPv6, it passes', async () => {
    const report = await run([fromRoot('examples/cluster-state.yaml'), fromRoot('test/fixtures/crds/cilium-ipv6-crd.yaml')]);
    assert.deepEqual(report.resources[0]!.findings, []);
  });
});

// The project's copies of the platform's CRDs, pinned to the structure Deckhouse and Cilium ship: every constraint
// the schema carries (types, required, enums, oneOf, patterns, formats, defaults, lengths), listed by path.
function constraints(node: any, path = ''): string[] {
  if (!node || typeof node !== 'object') return [];
  const out: string[] = [];
  for (const k of ['type', 'required', 'enum', 'pattern', 'format', 'default', 'maxLength', 'minLength', 'minimum', 'x-kubernetes-map-type', 'x-kubernetes-list-type', 'x-kubernetes-preserve-unknown-fields']) {
    if (node[k] !== undefined) out.push(`${path || '.'} ${k}=${JSON.stringify(node[k])}`);
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) out.push(...constraints(child, `${path}.${name}`));
  if (node.items) out.push(...constraints(node.items, `${path}[]`));
  if (typeof node.additionalProperties === 'object') out.push(...constraints(node.additionalProperties, `${path}{}`));
  (node.oneOf ?? []).forEach((branch: any, i: number) => out.push(...constraints(branch, `${path}|oneOf${i}`)));
  return out;
}
const chartCRD = (file: string) => parse(readFileSync(fromRoot(`charts/egress-gateway-webhook/files/crds/${file}`), 'utf8'));
const servedSchema = (crd: any) => crd.spec.versions.find((v: any) => v.served).schema.openAPIV3Schema;

describe("the platform's CRDs as the project restates them", () => {
  it("Deckhouse's EgressGateway: mode enum, oneOf of the blocks, interfaces default [], no spec required, plain-string IP", () => {
    const crd = chartCRD('network.deckhouse.io_egressgateways.yaml');
    assert.deepEqual([crd.metadata.name, crd.spec.scope, crd.spec.versions.map((v: any) => [v.name, v.served, v.storage])], ['egressgateways.network.deckhouse.io', 'Cluster', [['v1alpha1', true, true]]]);
    assert.deepEqual(constraints(servedSchema(crd)), [
      '. type="object"',
      '.spec type="object"',
      '.spec.nodeSelector type="object"',
      '.spec.nodeSelector{} type="string"',
      '.spec.sourceIP type="object"',
      '.spec.sourceIP required=["mode"]',
      '.spec.sourceIP.mode type="string"',
      '.spec.sourceIP.mode enum=["VirtualIPAddress","PrimaryIPFromEgressGatewayNodeInterface"]',
      '.spec.sourceIP.virtualIPAddress type="object"',
      '.spec.sourceIP.virtualIPAddress.ip type="string"',
      '.spec.sourceIP.virtualIPAddress.interfaces type="array"',
      '.spec.sourceIP.virtualIPAddress.interfaces default=[]',
      '.spec.sourceIP.virtualIPAddress.interfaces[] type="string"',
      '.spec.sourceIP.primaryIPFromEgressGatewayNodeInterface type="object"',
      '.spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName type="string"',
      '.spec.sourceIP|oneOf0 required=["virtualIPAddress"]',
      '.spec.sourceIP|oneOf0.mode enum=["VirtualIPAddress"]',
      '.spec.sourceIP|oneOf0.virtualIPAddress required=["ip"]',
      '.spec.sourceIP|oneOf1 required=["primaryIPFromEgressGatewayNodeInterface"]',
      '.spec.sourceIP|oneOf1.mode enum=["PrimaryIPFromEgressGatewayNodeInterface"]',
      '.spec.sourceIP|oneOf1.primaryIPFromEgressGatewayNodeInterface required=["interfaceName"]',
      '.status type="object"',
      '.status.observedGeneration type="integer"',
      '.status.observedGeneration format="int64"',
      '.status.readyNodes type="integer"',
      '.status.readyNodes format="int64"',
      '.status.activeNodeName type="string"',
      '.status.conditions type="array"',
      '.status.conditions[] type="object"',
      '.status.conditions[] required=["lastTransitionTime","message","reason","status","type"]',
      '.status.conditions[].lastHeartbeatTime type="string"',
      '.status.conditions[].lastHeartbeatTime format="date-time"',
      '.status.conditions[].lastTransitionTime type="string"',
      '.status.conditions[].lastTransitionTime format="date-time"',
      '.status.conditions[].message type="string"',
      '.status.conditions[].message maxLength=32768',
      '.status.conditions[].observedGeneration type="integer"',
      '.status.conditions[].observedGeneration format="int64"',
      '.status.conditions[].observedGeneration minimum=0',
      '.status.conditions[].reason type="string"',
      '.status.conditions[].reason pattern="^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"',
      '.status.conditions[].reason maxLength=1024',
      '.status.conditions[].reason minLength=1',
      '.status.conditions[].status type="string"',
      '.status.conditions[].status enum=["True","False","Unknown"]',
      '.status.conditions[].type type="string"',
      '.status.conditions[].type maxLength=316',
    ]);
  });

  it("Deckhouse's EgressGatewayPolicy: spec and egressGatewayName required, podSelector required, no operator enum, plain-string CIDRs", () => {
    const crd = chartCRD('network.deckhouse.io_egressgatewaypolicies.yaml');
    assert.deepEqual([crd.metadata.name, crd.spec.scope, crd.spec.versions.map((v: any) => [v.name, v.served, v.storage])], ['egressgatewaypolicies.network.deckhouse.io', 'Cluster', [['v1alpha1', true, true]]]);
    assert.deepEqual(constraints(servedSchema(crd)), [
      '. type="object"',
      '. required=["spec"]',
      '.spec type="object"',
      '.spec required=["egressGatewayName"]',
      '.spec.destinationCIDRs type="array"',
      '.spec.destinationCIDRs[] type="string"',
      '.spec.egressGatewayName type="string"',
      '.spec.excludedCIDRs type="array"',
      '.spec.excludedCIDRs[] type="string"',
      '.spec.selectors type="array"',
      '.spec.selectors[] type="object"',
      '.spec.selectors[] required=["podSelector"]',
      '.spec.selectors[].podSelector type="object"',
      '.spec.selectors[].podSelector x-kubernetes-map-type="atomic"',
      '.spec.selectors[].podSelector.matchExpressions type="array"',
      '.spec.selectors[].podSelector.matchExpressions[] type="object"',
      '.spec.selectors[].podSelector.matchExpressions[] required=["key","operator"]',
      '.spec.selectors[].podSelector.matchExpressions[].key type="string"',
      '.spec.selectors[].podSelector.matchExpressions[].operator type="string"',
      '.spec.selectors[].podSelector.matchExpressions[].values type="array"',
      '.spec.selectors[].podSelector.matchExpressions[].values[] type="string"',
      '.spec.selectors[].podSelector.matchLabels type="object"',
      '.spec.selectors[].podSelector.matchLabels{} type="string"',
      '.status type="object"',
    ]);
  });

  it("Cilium 1.17's CiliumEgressGatewayPolicy (the bundled schema): IPv4-only CIDR pattern, egressIP format ipv4, label values at most 63", () => {
    const crd = bundledCiliumPolicyCRD;
    assert.deepEqual([crd.metadata.name, crd.spec.scope, crd.spec.names.shortNames, crd.spec.versions.map((v) => [v.name, v.served, v.storage])], ['ciliumegressgatewaypolicies.cilium.io', 'Cluster', ['cegp'], [['v2', true, true]]]);
    const ipv4CIDR = String.raw`^(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\/([0-9]|[1-2][0-9]|3[0-2])$`;
    const open = (p: string) => [`${p} type="object"`, `${p} x-kubernetes-map-type="atomic"`, `${p} x-kubernetes-preserve-unknown-fields=true`];
    assert.deepEqual(constraints(servedSchema(crd)), [
      '. type="object"',
      '. required=["metadata"]',
      '.apiVersion type="string"',
      '.kind type="string"',
      '.metadata type="object"',
      '.spec type="object"',
      '.spec required=["destinationCIDRs","egressGateway","selectors"]',
      '.spec.destinationCIDRs type="array"',
      '.spec.destinationCIDRs[] type="string"',
      `.spec.destinationCIDRs[] pattern=${JSON.stringify(ipv4CIDR)}`,
      '.spec.excludedCIDRs type="array"',
      '.spec.excludedCIDRs[] type="string"',
      `.spec.excludedCIDRs[] pattern=${JSON.stringify(ipv4CIDR)}`,
      '.spec.egressGateway type="object"',
      '.spec.egressGateway required=["nodeSelector"]',
      '.spec.egressGateway.egressIP type="string"',
      '.spec.egressGateway.egressIP format="ipv4"',
      '.spec.egressGateway.interface type="string"',
      '.spec.egressGateway.nodeSelector type="object"',
      '.spec.egressGateway.nodeSelector x-kubernetes-map-type="atomic"',
      '.spec.egressGateway.nodeSelector.matchExpressions type="array"',
      '.spec.egressGateway.nodeSelector.matchExpressions x-kubernetes-list-type="atomic"',
      '.spec.egressGateway.nodeSelector.matchExpressions[] type="object"',
      '.spec.egressGateway.nodeSelector.matchExpressions[] required=["key","operator"]',
      '.spec.egressGateway.nodeSelector.matchExpressions[].key type="string"',
      '.spec.egressGateway.nodeSelector.matchExpressions[].operator type="string"',
      '.spec.egressGateway.nodeSelector.matchExpressions[].operator enum=["In","NotIn","Exists","DoesNotExist"]',
      '.spec.egressGateway.nodeSelector.matchExpressions[].values type="array"',
      '.spec.egressGateway.nodeSelector.matchExpressions[].values x-kubernetes-list-type="atomic"',
      '.spec.egressGateway.nodeSelector.matchExpressions[].values[] type="string"',
      '.spec.egressGateway.nodeSelector.matchLabels type="object"',
      '.spec.egressGateway.nodeSelector.matchLabels{} type="string"',
      '.spec.egressGateway.nodeSelector.matchLabels{} pattern="^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"',
      '.spec.egressGateway.nodeSelector.matchLabels{} maxLength=63',
      '.spec.selectors type="array"',
      '.spec.selectors[] type="object"',
      ...open('.spec.selectors[].namespaceSelector'),
      ...open('.spec.selectors[].nodeSelector'),
      ...open('.spec.selectors[].podSelector'),
    ]);
    const pattern = new RegExp(ipv4CIDR, 'u');
    assert.deepEqual(['0.0.0.0/0', '10.0.0.0/8', '2001:db8::/32', '10.0.0.0/33'].map((c) => pattern.test(c)), [true, true, false, false]);
  });
});
