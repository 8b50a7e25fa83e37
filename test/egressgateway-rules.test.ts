import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { itValidates, type RuleCase } from './helpers/rule-cases.js';
import { MemoryClusterState } from '../src/cluster/memory-state.js';
import { gatewayInfo } from '../src/cluster/objects.js';
import { renderSchema } from '../src/resources/egressgatewaypolicy/render-check.js';
import { exampleState, gateway, reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';
import { fromRoot } from './helpers/paths.js';

// Each SPEC §3 EgressGateway rule, through a real HTTPS server, against examples/cluster-state.yaml:
// egress-a and egress-b eligible (both agents), egress-c cordoned, worker-1 without egress labels;
// gateways my-egressgw, egress-gw (policy backend-via-egress-gw uses it) and egress-gw-vip (172.18.18.250).

const primary = (iface: unknown = 'eth1') => ({
  mode: 'PrimaryIPFromEgressGatewayNodeInterface',
  primaryIPFromEgressGatewayNodeInterface: { interfaceName: iface },
});
const vip = (ip: unknown, interfaces?: unknown) => ({
  mode: 'VirtualIPAddress',
  virtualIPAddress: interfaces === undefined ? { ip } : { ip, interfaces },
});
const egressNodes = { 'dedicated/egress': '' };
const modes = 'supported values: "PrimaryIPFromEgressGatewayNodeInterface", "VirtualIPAddress"';
const cilium117 = "Cilium 1.17's CiliumEgressGatewayPolicy CRD (bundled with Deckhouse)";


const cases: RuleCase[] = [
  { name: 'a valid basic-mode gateway is allowed without warnings', object: gateway('gw', { nodeSelector: egressNodes, sourceIP: primary() }) },
  {
    name: 'a valid virtual-IP gateway is allowed without warnings',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.242', ['eth1']) }),
  },
  {
    name: 'mode missing',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: {} }),
    message: `EgressGateway "gw" is invalid: spec.sourceIP.mode: Required value: ${modes}`,
  },
  {
    name: 'mode VirtualIP suggests VirtualIPAddress',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...vip('172.18.18.242'), mode: 'VirtualIP' } }),
    message: `EgressGateway "gw" is invalid: spec.sourceIP.mode: Unsupported value: "VirtualIP": ${modes}; did you mean "VirtualIPAddress"?`,
  },
  {
    name: 'mode is case-sensitive: virtualipaddress',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...vip('172.18.18.242'), mode: 'virtualipaddress' } }),
    message: `EgressGateway "gw" is invalid: spec.sourceIP.mode: Unsupported value: "virtualipaddress": ${modes}; did you mean "VirtualIPAddress"?`,
  },
  {
    name: 'mode PrimaryIP suggests the full name',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...primary(), mode: 'PrimaryIP' } }),
    message: `EgressGateway "gw" is invalid: spec.sourceIP.mode: Unsupported value: "PrimaryIP": ${modes}; did you mean "PrimaryIPFromEgressGatewayNodeInterface"?`,
  },
  {
    name: 'a mode far from both suggests the one whose block is present',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...vip('172.18.18.242'), mode: 'ARP' } }),
    message: `EgressGateway "gw" is invalid: spec.sourceIP.mode: Unsupported value: "ARP": ${modes}; did you mean "VirtualIPAddress"?`,
  },
  {
    name: 'the block of the chosen mode missing',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { mode: 'VirtualIPAddress' } }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress: Required value: must be set when mode is "VirtualIPAddress"',
  },
  {
    name: 'the block of the other mode present',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...primary(), virtualIPAddress: { ip: '172.18.18.242' } } }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress: Forbidden: must not be set when mode is "PrimaryIPFromEgressGatewayNodeInterface"; remove it, or set mode to "VirtualIPAddress"',
  },
  {
    name: 'the other mode\'s block, empty: refused as a whole, without asking for its field',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...primary(), virtualIPAddress: {} } }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress: Forbidden: must not be set when mode is "PrimaryIPFromEgressGatewayNodeInterface"; remove it, or set mode to "VirtualIPAddress"',
  },
  {
    name: 'a misspelt mode and an incomplete block: both in one answer, the block judged as the mode it stands for',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { mode: 'VirtualIP', virtualIPAddress: { interfaces: ['eth1'] } } }),
    message: `EgressGateway "gw" is invalid: [spec.sourceIP.mode: Unsupported value: "VirtualIP": ${modes}; did you mean "VirtualIPAddress"?, spec.sourceIP.virtualIPAddress.ip: Required value]`,
  },
  {
    name: 'interfaceName missing from its block',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: {} } }),
    message: 'EgressGateway "gw" is invalid: spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Required value',
  },
  {
    name: 'interfaceName empty',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: primary('') }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Required value: a network interface name such as "eth1"',
  },
  {
    name: 'interfaceName longer than 15 bytes',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: primary('enp0s31f6-public') }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Invalid value: "enp0s31f6-public": must be at most 15 bytes, the Linux limit for interface names',
  },
  {
    name: 'interfaceName of 15 bytes counted in UTF-8',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: primary('eth-äöü-public') }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Invalid value: "eth-äöü-public": must be at most 15 bytes, the Linux limit for interface names',
  },
  {
    name: 'interfaceName "."',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: primary('.') }),
    message: 'EgressGateway "gw" is invalid: spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Invalid value: ".": must not be "." or ".."',
  },
  {
    name: 'interfaceName with slash, colon and whitespace',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: primary('a/b:c d') }),
    message:
      "EgressGateway \"gw\" is invalid: spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Invalid value: \"a/b:c d\": must not contain '/', ':' (alias labels like eth1:0 are not interfaces), whitespace",
  },
  {
    name: 'interfaceName with NUL',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: primary('eth\u00001') }),
    message: 'EgressGateway "gw" is invalid: spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName: Invalid value: "eth\\u00001": must not contain NUL',
  },
  {
    name: 'interfaces entries must be unique and valid',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.242', ['eth1', 'eth1', '..']) }),
    message:
      'EgressGateway "gw" is invalid: [spec.sourceIP.virtualIPAddress.interfaces[1]: Duplicate value: "eth1", spec.sourceIP.virtualIPAddress.interfaces[2]: Invalid value: "..": must not be "." or ".."]',
  },
  {
    name: "interfaces entries of Cilium's own devices (cilium_*, lxc*)",
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.242', ['eth1', 'cilium_host', 'lxc12ab34cd']) }),
    message: `EgressGateway "gw" is invalid: [${[1, 2]
      .map(
        (i) =>
          `spec.sourceIP.virtualIPAddress.interfaces[${i}]: Invalid value: "${['', 'cilium_host', 'lxc12ab34cd'][i]}": Cilium's own device: the egress-gateway agent never announces the virtual IP on cilium_* or lxc* interfaces; name the uplink, e.g. "eth1"`,
      )
      .join(', ')}]`,
  },
  {
    name: 'interfaces explicitly empty is allowed',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.242', []) }),
  },
  {
    name: 'virtual IP with a prefix length gets the fix',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('10.0.0.5/32') }),
    message: 'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "10.0.0.5/32": must be a single address without a prefix length; did you mean "10.0.0.5"?',
  },
  ...(
    [
      ['::ffff:172.18.18.250', '172.18.18.250'],
      ['::ffff:ac12:120b', '172.18.18.11'],
      ['0:0:0:0:0:ffff:127.0.0.1', '127.0.0.1'],
    ] as const
  ).map(
    ([ip, v4]): RuleCase => ({
      name: `virtual IP ${ip} in IPv4-mapped form gets the IPv4 one`,
      object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip(ip) }),
      message: `EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "${ip}": is the IPv4 address ${v4} in IPv4-mapped IPv6 form; did you mean "${v4}"?`,
    }),
  ),
  {
    name: 'an IPv6 virtual IP with a prefix length: the fix, and that Cilium 1.17 would refuse the fixed one too',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('2001:db8::1/128') }),
    message: `EgressGateway "gw" is invalid: [spec.sourceIP.virtualIPAddress.ip: Invalid value: "2001:db8::1/128": must be a single address without a prefix length; did you mean "2001:db8::1"?, spec.sourceIP.virtualIPAddress.ip: Invalid value: "2001:db8::1/128": the platform writes it as spec.egressGateway.egressIP into the CiliumEgressGatewayPolicy of every EgressGatewayPolicy naming this gateway, which would be refused: ${cilium117} takes an IPv4 address only]`,
  },
  {
    name: 'an IPv4-mapped virtual IP with a prefix length gets the plain IPv4 address',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('::ffff:198.51.100.99/128') }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "::ffff:198.51.100.99/128": must be a single address without a prefix length; did you mean "198.51.100.99"?',
  },
  {
    name: 'virtual IP that is not an address',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.256') }),
    message: 'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "172.18.18.256": must be an IPv4 or IPv6 address, e.g. "172.18.18.242"',
  },
  {
    name: 'virtual IP with a leading zero (Go refuses it)',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.018.18.242') }),
    message: 'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "172.018.18.242": must be an IPv4 or IPv6 address, e.g. "172.18.18.242"',
  },
  ...(
    [
      ['0.0.0.0', 'the unspecified address'],
      ['::', 'the unspecified address'],
      ['127.0.0.53', 'a loopback address'],
      ['::1', 'a loopback address'],
      ['239.1.2.3', 'a multicast address'],
      ['ff02::1', 'a multicast address'],
      ['169.254.10.1', 'a link-local address'],
      ['fe80::1', 'a link-local address'],
      ['255.255.255.255', 'the IPv4 broadcast address'],
    ] as const
  ).map(
    ([ip, what]): RuleCase => ({
      name: `virtual IP ${ip} is ${what}`,
      object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip(ip) }),
      // An IPv6 one is also refused by Cilium 1.17's CRD, whatever address takes its place.
      message: ip.includes(':')
        ? `EgressGateway "gw" is invalid: [spec.sourceIP.virtualIPAddress.ip: Invalid value: "${ip}": must not be ${what}; use a free unicast address on the egress nodes' public network, spec.sourceIP.virtualIPAddress.ip: Invalid value: "${ip}": the platform writes it as spec.egressGateway.egressIP into the CiliumEgressGatewayPolicy of every EgressGatewayPolicy naming this gateway, which would be refused: ${cilium117} takes an IPv4 address only]`
        : `EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "${ip}": must not be ${what}; use a free unicast address on the egress nodes' public network`,
    }),
  ),
  {
    name: "an IPv6 virtual IP is denied under the bundled Cilium 1.17 CRD, whose egressIP is format ipv4",
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('2001:db8::42') }),
    message:
      `EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "2001:db8::42": the platform writes it as spec.egressGateway.egressIP into the CiliumEgressGatewayPolicy of every EgressGatewayPolicy naming this gateway, which would be refused: ${cilium117} takes an IPv4 address only`,
  },
  {
    name: 'the render check names the policies that use the gateway',
    operation: 'UPDATE',
    oldObject: gateway('egress-gw', { nodeSelector: egressNodes, sourceIP: primary() }),
    object: gateway('egress-gw', { nodeSelector: egressNodes, sourceIP: vip('2001:db8::42') }),
    message:
      `EgressGateway "egress-gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "2001:db8::42": the platform writes it as spec.egressGateway.egressIP into the CiliumEgressGatewayPolicy of EgressGatewayPolicy "backend-via-egress-gw", which would be refused: ${cilium117} takes an IPv4 address only`,
  },
  {
    name: 'warn: nodeSelector keys under node-role.deckhouse.io/ are reserved by Deckhouse',
    object: gateway('gw', { nodeSelector: { 'node-role.deckhouse.io/egress': '' }, sourceIP: primary() }),
    warnings: ['spec.nodeSelector node-role.deckhouse.io/egress: reserved by Deckhouse, which alerts on it; use e.g. dedicated/egress'],
  },
  {
    name: 'virtual IP already used by another gateway (compared canonically)',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.250') }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Duplicate value: "172.18.18.250": already the virtual IP of EgressGateway "egress-gw-vip"; each gateway needs its own address',
  },
  {
    name: 'a gateway keeps its own virtual IP on UPDATE',
    object: gateway('egress-gw-vip', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.250', ['eth1']) }),
    operation: 'UPDATE',
    oldObject: gateway('egress-gw-vip', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.250', ['eth1']) }),
  },
  {
    name: 'an UPDATE that keeps a virtual IP another gateway also has only warns (ratcheting)',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.250') }),
    operation: 'UPDATE',
    oldObject: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.250') }),
    warnings: ['virtual IP 172.18.18.250 is also used by EgressGateway "egress-gw-vip"; give each gateway its own'],
  },
  {
    name: 'virtual IP equal to a node address',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.12') }),
    message:
      'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Invalid value: "172.18.18.12": is the InternalIP of node "egress-b"; a virtual IP must be an address no node uses',
  },
  {
    name: 'an UPDATE that keeps a conflicting virtual IP only warns (ratcheting)',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.12') }),
    operation: 'UPDATE',
    oldObject: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('172.18.18.12') }),
    warnings: ['virtual IP 172.18.18.12 is the InternalIP of node egress-b; pick an address no node uses'],
  },
  {
    name: 'nodeSelector keys and values follow label syntax',
    object: gateway('gw', { nodeSelector: { 'Dedicated_/egress': 'yes please' }, sourceIP: primary() }),
    message:
      "EgressGateway \"gw\" is invalid: [spec.nodeSelector: Invalid value: \"Dedicated_/egress\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.nodeSelector[Dedicated_/egress]: Invalid value: \"yes please\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
  },
  {
    name: 'a label name part over 63 characters',
    object: gateway('gw', { nodeSelector: { [`example.com/${'a'.repeat(64)}`]: '' }, sourceIP: primary() }),
    // The echoed value is cut at 64 characters.
    message: `EgressGateway "gw" is invalid: spec.nodeSelector: Invalid value: "example.com/${'a'.repeat(49)}...": name part must be no more than 63 characters`,
  },
  {
    name: 'a name of 52 characters is allowed',
    object: gateway('g'.repeat(52), { nodeSelector: egressNodes, sourceIP: primary() }),
  },
  {
    name: 'a name over 52 characters breaks the active-node label',
    object: gateway('g'.repeat(53), { nodeSelector: egressNodes, sourceIP: primary() }),
    message: `EgressGateway "${'g'.repeat(53)}" is invalid: metadata.name: Too long: may not be more than 52 bytes (the platform labels the active node egress-gateway.network.deckhouse.io/active-for-<name>, and a label name is at most 63 characters)`,
  },
  {
    name: 'an unknown field is a typo, with the likely field',
    object: gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...primary(), virtualIPAdress: { ip: '172.18.18.242' } } }),
    message: 'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAdress: Forbidden: unknown field; did you mean "virtualIPAddress"?',
  },
  {
    name: 'wrong types are named',
    object: gateway('gw', { nodeSelector: ['dedicated/egress'], sourceIP: { mode: 1 } }),
    message:
      'EgressGateway "gw" is invalid: [spec.nodeSelector: Invalid value: "array": must be of type object, spec.sourceIP.mode: Invalid value: "integer": must be of type string]',
  },
  {
    name: 'an unquoted YAML boolean in nodeSelector: the fix named, and no node warning for a selector that is not what was meant',
    object: gateway('gw', { nodeSelector: { 'dedicated/egress': true }, sourceIP: primary() }),
    message:
      'EgressGateway "gw" is invalid: spec.nodeSelector[dedicated/egress]: Invalid value: "boolean": must be of type string; YAML reads unquoted on, off, yes, no, y, n, true and false as booleans: quote the value',
  },
  {
    name: 'spec missing',
    object: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'gw' } },
    message: 'EgressGateway "gw" is invalid: spec: Required value',
  },
  {
    name: 'every problem at once',
    object: gateway('g'.repeat(53), { nodeSelector: egressNodes, sourceIP: { mode: 'VirtualIP', virtualIPAddress: { ip: '10.0.0.5/32', interfaces: ['eth1', 'eth1'] } } }),
    message: `EgressGateway "${'g'.repeat(53)}" is invalid: [metadata.name: Too long: may not be more than 52 bytes (the platform labels the active node egress-gateway.network.deckhouse.io/active-for-<name>, and a label name is at most 63 characters), spec.sourceIP.mode: Unsupported value: "VirtualIP": ${modes}; did you mean "VirtualIPAddress"?, spec.sourceIP.virtualIPAddress.interfaces[1]: Duplicate value: "eth1", spec.sourceIP.virtualIPAddress.ip: Invalid value: "10.0.0.5/32": must be a single address without a prefix length; did you mean "10.0.0.5"?]`,
  },
  // Warnings: legal but likely wrong.
  {
    name: 'warn: explicit empty nodeSelector',
    object: gateway('gw', { nodeSelector: {}, sourceIP: primary() }),
    warnings: ['spec.nodeSelector is empty, so every node in the cluster is an egress candidate; set labels to pick nodes'],
  },
  {
    name: 'warn: no node matches the selector',
    object: gateway('gw', { nodeSelector: { 'dedicated/egrss': '' }, sourceIP: primary() }),
    warnings: ["no node matches spec.nodeSelector dedicated/egrss=; traffic of this gateway's policies is dropped until one does"],
  },
  {
    name: 'warn: nodes match but none is eligible, with the reason per node',
    object: gateway('gw', { nodeSelector: { 'kubernetes.io/hostname': 'egress-c' }, sourceIP: primary() }),
    warnings: ['no eligible node, traffic will be dropped: egress-c (cordoned)'],
  },
  {
    name: 'warn: a node without an egress-gateway agent is not eligible in VirtualIPAddress mode',
    object: gateway('gw', { nodeSelector: { 'kubernetes.io/hostname': 'worker-1' }, sourceIP: vip('172.18.18.242') }),
    warnings: ['no eligible node, traffic will be dropped: worker-1 (no Ready egress-gateway agent)'],
  },
  {
    name: 'warn: exactly one eligible node means no failover',
    object: gateway('gw', { nodeSelector: { 'kubernetes.io/hostname': 'egress-a' }, sourceIP: primary() }),
    warnings: ['only node egress-a is eligible: no standby, so no failover if it fails; prepare a second node'],
  },
];

describe('EgressGateway rules over HTTPS', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook();
  });
  after(() => wh.close());

  itValidates(() => wh, cases);

  it('without the cluster state saying otherwise, the bundled schema is used', () => {
    assert.equal(renderSchema(new MemoryClusterState()).origin, 'bundled');
  });

  it('a stored gateway whose virtual IP is IPv4-mapped holds the IPv4 address: a new gateway cannot take it', async () => {
    const state = await exampleState();
    state.upsertGateway(gatewayInfo(gateway('legacy-mapped', { nodeSelector: egressNodes, sourceIP: vip('::ffff:203.0.113.50') }))!);
    const legacy = await startWebhook({ state });
    try {
      const res = await legacy.review('/validate', reviewOf(gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('203.0.113.50') })));
      assert.equal(
        res.status?.message,
        'EgressGateway "gw" is invalid: spec.sourceIP.virtualIPAddress.ip: Duplicate value: "203.0.113.50": already the virtual IP of EgressGateway "legacy-mapped"; each gateway needs its own address',
      );
    } finally {
      await legacy.close();
    }
  });

  it('denial details carry one cause per field error, as kubectl -o json shows them', async () => {
    const res = await wh.review('/validate', reviewOf(gateway('gw', { nodeSelector: egressNodes, sourceIP: { ...vip('10.0.0.5/32'), mode: 'VirtualIP' } })));
    assert.deepEqual(res.status.details.causes, [
      { reason: 'FieldValueNotSupported', message: `Unsupported value: "VirtualIP": ${modes}; did you mean "VirtualIPAddress"?`, field: 'spec.sourceIP.mode' },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "10.0.0.5/32": must be a single address without a prefix length; did you mean "10.0.0.5"?',
        field: 'spec.sourceIP.virtualIPAddress.ip',
      },
    ]);
  });
});

// A newer Cilium whose CRD takes IPv6: the same webhook, with that CRD in the cluster state, lets IPv6 through.
describe('EgressGateway rules with a Cilium CRD that takes IPv6', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook({ state: await exampleState(fromRoot('test/fixtures/crds/cilium-ipv6-crd.yaml')) });
  });
  after(() => wh.close());

  itValidates(() => wh, [{ name: 'an IPv6 virtual IP is allowed', object: gateway('gw', { nodeSelector: egressNodes, sourceIP: vip('2001:db8::42') }) }]);
});
