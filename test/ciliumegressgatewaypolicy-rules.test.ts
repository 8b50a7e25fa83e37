import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deckhouseAgents, upstreamCiliumAgents } from '../src/cluster/agents.js';
import { loadStateFiles } from '../src/cluster/file-state.js';
import { itValidates, type RuleCase } from './helpers/rule-cases.js';
import { fromRoot } from './helpers/paths.js';
import { ciliumPolicy, reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';

// Each CiliumEgressGatewayPolicy rule through a real HTTPS server, against examples/cilium-cluster-state.yaml
// (gateway-node-1 and gateway-node-2 with egress-gateway=true, worker-1 at 10.0.2.21) plus
// test/fixtures/cilium-more-nodes.yaml (role=edge: none eligible; role=pair: the first not Ready; role=solo).

const stateFiles = [fromRoot('examples/cilium-cluster-state.yaml'), fromRoot('test/fixtures/cilium-more-nodes.yaml')];
const pods = [{ podSelector: { matchLabels: { app: 'payment' } } }];
const solo = { nodeSelector: { matchLabels: { role: 'solo' } }, egressIP: '10.0.1.100' };
const spec = (extra: Record<string, unknown>) => ({ selectors: pods, destinationCIDRs: ['0.0.0.0/0'], egressGateway: solo, ...extra });
const invalid = (message: string) => `CiliumEgressGatewayPolicy "p" is invalid: ${message}`;
const both =
  'spec.egressGateway.egressIP: Forbidden: may not be set together with interface: Cilium ignores a policy whose gateway sets both; keep one of them';

const cases: RuleCase[] = [
  { name: 'a valid policy with egressIP is allowed without warnings', object: ciliumPolicy('p', spec({})) },
  {
    name: 'a valid policy with interface and excluded CIDRs is allowed without warnings',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { role: 'solo' } }, interface: 'eth1' }, excludedCIDRs: ['10.0.0.0/8'] })),
  },
  {
    name: 'neither egressIP nor interface (Cilium uses the default-route interface) is allowed',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { role: 'solo' } } } })),
  },
  {
    name: 'empty egressIP and interface count as not set, as in Cilium',
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, interface: '' } })),
  },
  {
    name: 'egressIP and interface on one gateway',
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, interface: 'eth0' } })),
    message: invalid(both),
  },
  {
    name: 'an unparsable egressIP',
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, egressIP: '10.0.1.300' } })),
    message: invalid('spec.egressGateway.egressIP: Invalid value: "10.0.1.300": must be an IPv4 or IPv6 address, e.g. "10.0.1.100"'),
  },
  {
    name: 'an egressIP with a prefix length gets the bare address',
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, egressIP: '10.0.1.100/32' } })),
    message: invalid('spec.egressGateway.egressIP: Invalid value: "10.0.1.100/32": must be a single address without a prefix length; did you mean "10.0.1.100"?'),
  },
  {
    name: 'an IPv4-mapped egressIP gets the IPv4 form (Go reads it as that address)',
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, egressIP: '::ffff:127.0.0.1' } })),
    message: invalid('spec.egressGateway.egressIP: Invalid value: "::ffff:127.0.0.1": is the IPv4 address 127.0.0.1 in IPv4-mapped IPv6 form; did you mean "127.0.0.1"?'),
  },
  {
    name: 'a loopback egressIP',
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, egressIP: '127.0.0.1' } })),
    message: invalid('spec.egressGateway.egressIP: Invalid value: "127.0.0.1": must not be a loopback address; use an address assigned to the gateway node'),
  },
  {
    name: 'no gateway',
    object: ciliumPolicy('p', { selectors: pods, destinationCIDRs: ['0.0.0.0/0'] }),
    message: invalid('spec.egressGateway: Required value: the gateway node: a nodeSelector, and egressIP or interface (else the default-route interface)'),
  },
  {
    name: 'no destination',
    object: ciliumPolicy('p', { selectors: pods, egressGateway: solo }),
    message: invalid('spec.destinationCIDRs: Required value: at least one CIDR, e.g. "0.0.0.0/0": without destinations the policy routes nothing'),
  },
  {
    // As for EgressGatewayPolicy: Cilium's ParseCEGP accepts an empty list, and the policy matches no destination.
    name: 'warn: an empty destination list routes nothing',
    object: ciliumPolicy('p', spec({ destinationCIDRs: [] })),
    warnings: ['spec.destinationCIDRs is empty, so this policy routes no traffic through the gateway; add a CIDR'],
  },
  {
    name: 'neither a gateway nor a destination: both, in one answer',
    object: ciliumPolicy('p', { selectors: pods }),
    message: invalid(
      '[spec.destinationCIDRs: Required value: at least one CIDR, e.g. "0.0.0.0/0": without destinations the policy routes nothing, ' +
        'spec.egressGateway: Required value: the gateway node: a nodeSelector, and egressIP or interface (else the default-route interface)]',
    ),
  },
  {
    name: 'a gateway without nodeSelector',
    object: ciliumPolicy('p', spec({ egressGateway: { egressIP: '10.0.1.100' } })),
    message: invalid('spec.egressGateway.nodeSelector: Required value: a label selector for the gateway node, e.g. matchLabels: {egress-gateway: "true"}'),
  },
  {
    name: 'an interface name Linux refuses (the same rule as EgressGateway)',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { role: 'solo' } }, interface: 'eth1:0' } })),
    message: invalid(`spec.egressGateway.interface: Invalid value: "eth1:0": must not contain ':' (alias labels like eth1:0 are not interfaces)`),
  },
  {
    name: 'a CIDR with host bits (the same rule as EgressGatewayPolicy)',
    object: ciliumPolicy('p', spec({ destinationCIDRs: ['10.0.0.1/8'] })),
    message: invalid('spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?'),
  },
  {
    name: 'a selector entry with neither podSelector nor namespaceSelector',
    object: ciliumPolicy('p', spec({ selectors: [{ nodeSelector: { matchLabels: { zone: 'a' } } }] })),
    message: invalid('spec.selectors[0]: Required value: podSelector or namespaceSelector; an entry without either makes Cilium ignore the whole policy'),
  },
  {
    name: 'no selectors',
    object: ciliumPolicy('p', { destinationCIDRs: ['0.0.0.0/0'], egressGateway: solo }),
    message: invalid('spec.selectors: Required value: at least one entry with a podSelector or namespaceSelector: the pods whose traffic uses the gateway'),
  },
  {
    name: 'a gateway nodeSelector operator typo (the same selector rule as the pod selectors)',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchExpressions: [{ key: 'role', operator: 'Exist' }] } } })),
    message: invalid(
      'spec.egressGateway.nodeSelector.matchExpressions[0].operator: Unsupported value: "Exist": supported values: "In", "NotIn", "Exists", "DoesNotExist"; did you mean "Exists"?',
    ),
  },
  {
    name: 'a misspelt field',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { role: 'solo' } }, egressIp: '10.0.1.100' } })),
    message: invalid('spec.egressGateway.egressIp: Forbidden: unknown field; did you mean "egressIP"?'),
  },
  {
    name: 'a gateway selector with expressions selects like the API server does',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['solo', 'none'] }] } } })),
  },
  {
    name: 'pod selectors narrowed by namespace and node are fine; an empty podSelector alone selects every pod',
    object: ciliumPolicy('p', spec({ selectors: [{ podSelector: {}, namespaceSelector: { matchLabels: { team: 'a' } } }, { podSelector: {} }] })),
    warnings: ['spec.selectors[1].podSelector is empty and selects every pod in the cluster; add matchLabels'],
  },
  {
    name: 'an empty namespaceSelector alone selects every pod',
    object: ciliumPolicy('p', spec({ selectors: [{ namespaceSelector: {} }] })),
    warnings: ['spec.selectors[0].namespaceSelector is empty and selects every pod in the cluster; add matchLabels'],
  },
  {
    name: 'warn: an excluded CIDR outside every destination',
    object: ciliumPolicy('p', spec({ destinationCIDRs: ['35.190.247.0/24'], excludedCIDRs: ['10.0.0.0/8'] })),
    warnings: ['spec.excludedCIDRs[0] 10.0.0.0/8 is outside every destination CIDR, so Cilium ignores it'],
  },
  {
    name: 'warn: no node matches the gateway nodeSelector',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { 'egress-gateway': 'yes' } }, egressIP: '10.0.1.100' } })),
    warnings: ['no node matches spec.egressGateway.nodeSelector; Cilium drops the traffic of this policy until one does'],
  },
  {
    name: 'warn: nodes match but none is eligible, each with why',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { role: 'edge' } } } })),
    warnings: [
      'no eligible node for spec.egressGateway, traffic will be dropped: edge-a (cordoned), edge-b (not Ready), +1 more',
    ],
  },
  {
    name: 'warn: several nodes match, Cilium uses the first by name only',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { 'egress-gateway': 'true' } }, egressIP: '10.0.1.100' } })),
    warnings: ['Cilium uses only gateway-node-1 (first by name of 2 nodes matching spec.egressGateway.nodeSelector): no failover'],
  },
  {
    name: 'warn: the node Cilium takes is not eligible although another one is',
    object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { role: 'pair' } } } })),
    warnings: ['Cilium uses only pair-a (first by name of 2 matching nodes), not eligible: not Ready; no failover'],
  },
  {
    name: "warn: the egressIP is another node's address",
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, egressIP: '10.0.2.21' } })),
    warnings: ['spec.egressGateway.egressIP 10.0.2.21 is the InternalIP of node worker-1, not of gateway node solo'],
  },
  {
    name: 'the egressIP of the gateway node itself is fine',
    object: ciliumPolicy('p', spec({ egressGateway: { ...solo, egressIP: '10.0.5.1' } })),
  },
  {
    name: "warn: destinations of the other family than the egressIP's",
    object: ciliumPolicy('p', spec({ destinationCIDRs: ['0.0.0.0/0', '2001:db8::/32'] })),
    warnings: ['spec.destinationCIDRs[1] 2001:db8::/32 is IPv6, but spec.egressGateway.egressIP 10.0.1.100 is IPv4'],
  },
  {
    name: 'egressGateways (Cilium 1.20) with egressGateway as its first entry',
    object: ciliumPolicy('p', spec({ egressGateways: [solo, { nodeSelector: { matchLabels: { role: 'pair' } }, interface: 'eth1' }] })),
    warnings: ['Cilium uses only pair-a (first by name of 2 matching nodes), not eligible: not Ready; no failover'],
  },
  {
    name: 'warn: egressGateway left out of egressGateways is ignored',
    object: ciliumPolicy('p', spec({ egressGateways: [{ nodeSelector: { matchLabels: { role: 'solo' } }, interface: 'eth1' }] })),
    warnings: ['spec.egressGateway is ignored while spec.egressGateways is set, and is not in that list; add it there'],
  },
  {
    name: 'each entry of egressGateways gets the gateway rules',
    object: ciliumPolicy('p', spec({ egressGateways: [solo, { ...solo, interface: 'eth1' }] })),
    message: invalid(
      'spec.egressGateways[1].egressIP: Forbidden: may not be set together with interface: Cilium ignores a policy whose gateway sets both; keep one of them',
    ),
  },
];

describe('CiliumEgressGatewayPolicy rules (upstream Cilium agents)', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook({ state: await loadStateFiles(stateFiles, upstreamCiliumAgents) });
  });
  after(() => wh.close());
  itValidates(() => wh, cases);

  it('DELETE is allowed unchecked, and defaulting adds nothing', async () => {
    const object = ciliumPolicy('p', spec({ egressGateway: { ...solo, interface: 'eth0' } }));
    const del = await wh.review('/validate', reviewOf(null, { operation: 'DELETE', oldObject: object }));
    assert.deepEqual(del, { uid: del.uid, allowed: true });
    const mutated = await wh.review('/mutate', reviewOf(object));
    assert.deepEqual(mutated, { uid: mutated.uid, allowed: true });
  });
});

describe('CiliumEgressGatewayPolicy eligibility follows the configured agents', () => {
  let wh: TestWebhook;
  before(async () => {
    // Deckhouse's agent labels: the upstream agents in kube-system do not count.
    wh = await startWebhook({ state: await loadStateFiles(stateFiles, deckhouseAgents) });
  });
  after(() => wh.close());
  itValidates(() => wh, [
    {
      name: 'nodes without a Ready cilium agent (as configured) are not eligible',
      object: ciliumPolicy('p', spec({ egressGateway: { nodeSelector: { matchLabels: { 'egress-gateway': 'true' } } } })),
      warnings: [
        'no eligible node for spec.egressGateway, traffic will be dropped: gateway-node-1 (no Ready cilium agent), +1 more',
      ],
    },
  ]);
});

describe('CiliumEgressGatewayPolicy when the kind is not enabled', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook({ state: await loadStateFiles(stateFiles, upstreamCiliumAgents), config: { kinds: ['EgressGateway', 'EgressGatewayPolicy'] } });
  });
  after(() => wh.close());
  it('is allowed untouched, even when invalid', async () => {
    const res = await wh.review('/validate', reviewOf(ciliumPolicy('p', { selectors: pods })));
    assert.deepEqual(res, { uid: res.uid, allowed: true });
  });
});
