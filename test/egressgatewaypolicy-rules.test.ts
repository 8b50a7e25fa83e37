import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { itValidates, type RuleCase } from './helpers/rule-cases.js';
import { fromRoot } from './helpers/paths.js';
import { exampleState, policy, reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';

// Each SPEC §3 EgressGatewayPolicy rule through a real HTTPS server, against examples/cluster-state.yaml
// (gateways my-egressgw and egress-gw in basic mode, egress-gw-vip with IPv4 virtual IP 172.18.18.250).

const backend = [{ podSelector: { matchLabels: { app: 'backend', 'io.kubernetes.pod.namespace': 'my-ns' } } }];
const spec = (extra: Record<string, unknown>) => ({ egressGatewayName: 'my-egressgw', destinationCIDRs: ['0.0.0.0/0'], selectors: backend, ...extra });
const subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const operators = 'supported values: "In", "NotIn", "Exists", "DoesNotExist"';
const cilium117 = "Cilium 1.17's CiliumEgressGatewayPolicy CRD (bundled with Deckhouse)";
const rendered = 'the platform renders this policy as "d8.p", which would be refused';


const cases: RuleCase[] = [
  { name: 'a valid policy is allowed without warnings', object: policy('p', spec({})) },
  {
    name: 'egressGatewayName missing',
    object: policy('p', { destinationCIDRs: ['0.0.0.0/0'], selectors: backend }),
    message: 'EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Required value',
  },
  {
    name: 'egressGatewayName empty',
    object: policy('p', spec({ egressGatewayName: '' })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Required value: the name of an EgressGateway',
  },
  {
    name: 'egressGatewayName not a valid object name',
    object: policy('p', spec({ egressGatewayName: 'My_Gateway' })),
    message: `EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Invalid value: "My_Gateway": ${subdomain}`,
  },
  {
    name: 'egressGatewayName naming no gateway suggests the close one',
    object: policy('p', spec({ egressGatewayName: 'my-egresgw' })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Not found: "my-egresgw": no EgressGateway has this name; did you mean "my-egressgw"?',
  },
  {
    name: 'egressGatewayName naming no gateway and nothing close',
    object: policy('p', spec({ egressGatewayName: 'internet' })),
    message:
      'EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Not found: "internet": no EgressGateway has this name; create it first (kubectl get egressgateways lists them)',
  },
  {
    name: 'an UPDATE that keeps a missing gateway only warns (ratcheting)',
    object: policy('p', spec({ egressGatewayName: 'gone' })),
    operation: 'UPDATE',
    oldObject: policy('p', spec({ egressGatewayName: 'gone' })),
    warnings: ['spec.egressGatewayName: EgressGateway gone does not exist; this policy routes nothing'],
  },
  {
    name: 'an UPDATE that switches to a missing gateway is denied',
    object: policy('p', spec({ egressGatewayName: 'gone' })),
    operation: 'UPDATE',
    oldObject: policy('p', spec({})),
    message:
      'EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Not found: "gone": no EgressGateway has this name; create it first (kubectl get egressgateways lists them)',
  },
  {
    name: 'a CIDR with host bits gets its canonical form',
    object: policy('p', spec({ destinationCIDRs: ['10.0.0.1/8'] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?',
  },
  {
    name: 'a bare IPv4 address gets the /32 form',
    object: policy('p', spec({ destinationCIDRs: ['0.0.0.0/0'], excludedCIDRs: ['10.1.2.3'] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.excludedCIDRs[0]: Invalid value: "10.1.2.3": must be a CIDR with a prefix length; did you mean "10.1.2.3/32"?',
  },
  {
    name: 'a prefix out of range',
    object: policy('p', spec({ destinationCIDRs: ['10.0.0.0/33', '::/129'] })),
    message:
      `EgressGatewayPolicy "p" is invalid: [spec.destinationCIDRs[0]: Invalid value: "10.0.0.0/33": prefix length must be a number from 0 to 32 for an IPv4 CIDR, spec.destinationCIDRs[1]: Invalid value: "::/129": prefix length must be a number from 0 to 128 for an IPv6 CIDR, spec.destinationCIDRs[1]: Invalid value: "::/129": ${cilium117} takes IPv4 CIDRs only: ${rendered}]`,
  },
  {
    name: 'something that is no CIDR at all',
    object: policy('p', spec({ destinationCIDRs: ['10.0.0/8', 'any'] })),
    message:
      'EgressGatewayPolicy "p" is invalid: [spec.destinationCIDRs[0]: Invalid value: "10.0.0/8": must be an IPv4 or IPv6 CIDR, e.g. "10.0.0.0/8" or "2001:db8::/32", spec.destinationCIDRs[1]: Invalid value: "any": must be an IPv4 or IPv6 CIDR, e.g. "10.0.0.0/8" or "2001:db8::/32"]',
  },
  {
    name: 'podSelector missing from a selector',
    object: policy('p', spec({ selectors: [{}] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.selectors[0].podSelector: Required value',
  },
  {
    name: 'selector label keys and values',
    object: policy('p', spec({ selectors: [{ podSelector: { matchLabels: { 'app/': 'back end' } } }] })),
    message:
      "EgressGatewayPolicy \"p\" is invalid: [spec.selectors[0].podSelector.matchLabels: Invalid value: \"app/\": name part must be non-empty, spec.selectors[0].podSelector.matchLabels: Invalid value: \"app/\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), spec.selectors[0].podSelector.matchLabels[app/]: Invalid value: \"back end\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
  },
  {
    name: 'selector operators: unknown (with a suggestion), In without values, Exists with values',
    object: policy('p', spec({
      selectors: [
        {
          podSelector: {
            matchExpressions: [
              { key: 'app', operator: 'in', values: ['backend'] },
              { key: 'tier', operator: 'NotIn' },
              { key: 'canary', operator: 'Exists', values: ['true'] },
              { key: 'legacy', operator: 'DoesNotExist' },
            ],
          },
        },
      ],
    })),
    message: `EgressGatewayPolicy "p" is invalid: [spec.selectors[0].podSelector.matchExpressions[0].operator: Unsupported value: "in": ${operators}; did you mean "In"?, spec.selectors[0].podSelector.matchExpressions[1].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn', spec.selectors[0].podSelector.matchExpressions[2].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist']`,
  },
  {
    name: 'selector expression key and values',
    object: policy('p', spec({ selectors: [{ podSelector: { matchExpressions: [{ key: '', operator: 'In', values: ['-x'] }] } }] })),
    message:
      "EgressGatewayPolicy \"p\" is invalid: [spec.selectors[0].podSelector.matchExpressions[0].key: Invalid value: \"\": name part must be non-empty, spec.selectors[0].podSelector.matchExpressions[0].key: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), spec.selectors[0].podSelector.matchExpressions[0].values[0]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
  },
  {
    name: 'a name of 250 characters is allowed',
    object: policy('p'.repeat(250), spec({})),
  },
  {
    name: 'a name over 250 characters cannot be rendered for Cilium',
    object: policy('p'.repeat(251), spec({})),
    message: `EgressGatewayPolicy "${'p'.repeat(251)}" is invalid: metadata.name: Too long: may not be more than 250 bytes (the platform creates CiliumEgressGatewayPolicy "d8.<name>", and a name is at most 253 bytes)`,
  },
  {
    name: 'an unknown field',
    object: policy('p', spec({ destinationCIDR: ['10.0.0.0/8'] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.destinationCIDR: Forbidden: unknown field; did you mean "destinationCIDRs"?',
  },
  {
    name: 'every problem at once',
    object: policy('p', { egressGatewayName: 'my-egresgw', destinationCIDRs: ['10.0.0.1/8', '192.168.1.1'], selectors: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] } }] }),
    message: `EgressGatewayPolicy "p" is invalid: [spec.egressGatewayName: Not found: "my-egresgw": no EgressGateway has this name; did you mean "my-egressgw"?, spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?, spec.destinationCIDRs[1]: Invalid value: "192.168.1.1": must be a CIDR with a prefix length; did you mean "192.168.1.1/32"?, spec.selectors[0].podSelector.matchExpressions[0].operator: Unsupported value: "Equals": ${operators}]`,
  },
  // Warnings: legal but likely wrong.
  {
    name: 'warn: a destination inside another',
    object: policy('p', spec({ destinationCIDRs: ['10.1.0.0/16', '10.0.0.0/8'] })),
    warnings: ['spec.destinationCIDRs[0] 10.1.0.0/16 lies inside [1] 10.0.0.0/8 and changes nothing; remove it'],
  },
  {
    name: 'warn: an excluded CIDR covering a whole destination',
    object: policy('p', spec({ destinationCIDRs: ['10.0.0.0/8', '203.0.113.0/24'], excludedCIDRs: ['203.0.113.0/24'] })),
    warnings: ['spec.excludedCIDRs[0] 203.0.113.0/24 covers all of destination 203.0.113.0/24, which then routes nothing'],
  },
  {
    name: 'warn: no selectors',
    object: policy('p', spec({ selectors: [] })),
    warnings: ['spec.selectors is empty, so this policy routes no pod through the gateway; add a podSelector'],
  },
  {
    name: 'selectors absent: the rendered object requires them (a null list is dropped)',
    object: policy('p', { egressGatewayName: 'my-egressgw', destinationCIDRs: ['0.0.0.0/0'] }),
    message: `EgressGatewayPolicy "p" is invalid: spec.selectors: Required value: ${cilium117} requires it (the template writes an absent list as null, which the API server drops): ${rendered}`,
  },
  {
    name: 'warn: an empty destination list routes nothing (Cilium accepts it and matches no destination)',
    object: policy('p', spec({ destinationCIDRs: [] })),
    warnings: ['spec.destinationCIDRs is empty, so this policy routes no traffic through the gateway; add a CIDR'],
  },
  {
    name: 'IPv6 CIDRs are denied under the bundled Cilium 1.17 CRD, on the user\'s own fields; other errors on a field come first',
    object: policy('p', spec({ destinationCIDRs: ['10.0.0.0/8', '2001:db8::/32', '2001:db8::1/32'], excludedCIDRs: ['fd00::/8'] })),
    message: `EgressGatewayPolicy "p" is invalid: [spec.destinationCIDRs[2]: Invalid value: "2001:db8::1/32": host bits must be zero; did you mean "2001:db8::/32"?, ${[
      'spec.destinationCIDRs[2]: Invalid value: "2001:db8::1/32"',
      'spec.destinationCIDRs[1]: Invalid value: "2001:db8::/32"',
      'spec.excludedCIDRs[0]: Invalid value: "fd00::/8"',
    ]
      .map((f) => `${f}: ${cilium117} takes IPv4 CIDRs only: ${rendered}`)
      .join(', ')}]`,
    warnings: ['spec.excludedCIDRs[0] fd00::/8 is outside every destination CIDR, so Cilium ignores it'],
  },
  {
    name: 'a gateway whose part of the render fails is named on spec.egressGatewayName',
    object: policy('p', spec({ egressGatewayName: 'egress-gw-v6' })),
    message: `EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Invalid value: "egress-gw-v6": from EgressGateway "egress-gw-v6", egressGateway.egressIP "2001:db8::42": ${cilium117} takes an IPv4 address only: ${rendered}`,
    warnings: ['spec.destinationCIDRs[0] 0.0.0.0/0 is IPv4, but gateway egress-gw-v6 has IPv6 virtual IP 2001:db8::42'],
  },
  {
    name: 'warn: an empty podSelector routes every pod of the cluster',
    object: policy('p', spec({ selectors: [{ podSelector: {} }, { podSelector: { matchLabels: {}, matchExpressions: [] } }] })),
    warnings: [
      'spec.selectors[0].podSelector is empty and selects every pod in the cluster; add matchLabels',
      'spec.selectors[1].podSelector is empty and selects every pod in the cluster; add matchLabels',
    ],
  },
];

const longGateway = `legacy-${'g'.repeat(50)}`;
cases.push(
  {
    name: 'an IPv6 destination with host bits: the fix, and that Cilium 1.17 would refuse the fixed one too',
    object: policy('p', spec({ destinationCIDRs: ['2001:db8::1/32'] })),
    message: `EgressGatewayPolicy "p" is invalid: [spec.destinationCIDRs[0]: Invalid value: "2001:db8::1/32": host bits must be zero; did you mean "2001:db8::/32"?, spec.destinationCIDRs[0]: Invalid value: "2001:db8::1/32": ${cilium117} takes IPv4 CIDRs only: the platform renders this policy as "d8.p", which would be refused]`,
  },
  {
    name: 'an IPv4-mapped address without a prefix gets the IPv4 host route',
    object: policy('p', spec({ destinationCIDRs: ['::ffff:10.0.0.1'] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.destinationCIDRs[0]: Invalid value: "::ffff:10.0.0.1": must be a CIDR with a prefix length; did you mean "10.0.0.1/32"?',
  },
  {
    name: 'an IPv4 network written in IPv4-mapped IPv6 form gets the IPv4 one',
    object: policy('p', spec({ destinationCIDRs: ['::ffff:10.0.0.0/104'] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.destinationCIDRs[0]: Invalid value: "::ffff:10.0.0.0/104": is an IPv4 network in IPv4-mapped IPv6 form, which no IPv4 packet matches; did you mean "10.0.0.0/8"?',
  },
  {
    name: 'a policy naming a stored gateway whose name is too long for the active node label is refused',
    object: policy('p', spec({ egressGatewayName: longGateway })),
    message: `EgressGatewayPolicy "p" is invalid: spec.egressGatewayName: Invalid value: "${longGateway}": the platform cannot label a node active-for-<gateway name> for a name over 52 characters, so no node carries this policy's traffic; name a gateway of at most 52 characters`,
  },
  {
    name: 'an UPDATE of such a policy that keeps the gateway is warned, not refused',
    operation: 'UPDATE',
    oldObject: policy('p', spec({ egressGatewayName: longGateway })),
    object: policy('p', spec({ egressGatewayName: longGateway, destinationCIDRs: ['203.0.113.0/24'] })),
    warnings: ['spec.egressGatewayName: gateway name over 52 characters, so no node gets its label; traffic dropped; rename it'],
  },
);

describe('EgressGatewayPolicy rules over HTTPS', () => {
  let wh: TestWebhook;
  before(async () => {
    // One gateway more, with an IPv6 virtual IP (stored before any webhook refused it).
    const state = await exampleState();
    state.upsertGateway({ name: 'egress-gw-v6', mode: 'VirtualIPAddress', virtualIP: '2001:db8::42', ipText: '2001:db8::42', nodeSelector: { 'dedicated/egress': '' } });
    // And one whose name is too long for the platform's node label (also stored before the webhook).
    state.upsertGateway({ name: longGateway, mode: 'PrimaryIPFromEgressGatewayNodeInterface', interfaceName: 'eth1', nodeSelector: { 'dedicated/egress': '' } });
    wh = await startWebhook({ state });
  });
  after(() => wh.close());

  itValidates(() => wh, cases);

  it('at most 10 warnings of at most 120 characters, the last saying how many were left out', async () => {
    const destinations = Array.from({ length: 14 }, () => '10.0.0.0/8');
    const res = await wh.review('/validate', reviewOf(policy('p', spec({ destinationCIDRs: destinations }))));
    assert.equal(res.allowed, true);
    assert.equal(res.warnings.length, 10);
    assert.equal(res.warnings[8], 'spec.destinationCIDRs[9] 10.0.0.0/8 duplicates [0]; remove one');
    assert.equal(res.warnings[9], '4 more warnings not shown');
    for (const w of res.warnings) assert.ok(w.length <= 120, w);
  });
});

// The same rules for IPv6, in a cluster whose Cilium CRD takes IPv6 (a newer release): the webhook unchanged.
const ipv6Cases: RuleCase[] = [
  {
    name: 'an IPv6 CIDR with host bits gets its canonical form',
    object: policy('p', spec({ destinationCIDRs: ['2001:DB8::1/32'] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.destinationCIDRs[0]: Invalid value: "2001:DB8::1/32": host bits must be zero; did you mean "2001:db8::/32"?',
  },
  {
    name: 'a bare IPv6 address gets the /128 form',
    object: policy('p', spec({ destinationCIDRs: ['2001:db8:0:0::7'] })),
    message: 'EgressGatewayPolicy "p" is invalid: spec.destinationCIDRs[0]: Invalid value: "2001:db8:0:0::7": must be a CIDR with a prefix length; did you mean "2001:db8::7/128"?',
  },
  {
    name: 'warn: an excluded CIDR outside every destination of its family',
    object: policy('p', spec({ destinationCIDRs: ['10.0.0.0/8'], excludedCIDRs: ['10.20.0.0/16', '192.168.0.0/16', 'fd00::/8'] })),
    warnings: [
      'spec.excludedCIDRs[1] 192.168.0.0/16 is outside every destination CIDR, so Cilium ignores it',
      'spec.excludedCIDRs[2] fd00::/8 is outside every destination CIDR, so Cilium ignores it',
    ],
  },
  {
    name: 'warn: duplicate CIDRs (compared canonically)',
    object: policy('p', spec({ destinationCIDRs: ['2001:db8::/32', '2001:0DB8::/32'], excludedCIDRs: ['2001:db8:1::/48', '2001:db8:1::/48'] })),
    warnings: ['spec.destinationCIDRs[1] 2001:0DB8::/32 duplicates [0]; remove one', 'spec.excludedCIDRs[1] 2001:db8:1::/48 duplicates [0]; remove one'],
  },
  {
    name: 'warn: IPv6 destinations behind an IPv4 virtual IP',
    object: policy('p', spec({ egressGatewayName: 'egress-gw-vip', destinationCIDRs: ['0.0.0.0/0', '::/0'] })),
    warnings: ['spec.destinationCIDRs[1] ::/0 is IPv6, but gateway egress-gw-vip has IPv4 virtual IP 172.18.18.250'],
  },
  {
    name: 'no family warning for a basic-mode gateway (its address family is unknown)',
    object: policy('p', spec({ egressGatewayName: 'egress-gw', destinationCIDRs: ['::/0'] })),
  },
  {
    name: 'IPv6 destinations and exclusions pass the render check',
    object: policy('p', spec({ destinationCIDRs: ['2001:db8::/32'], excludedCIDRs: ['2001:db8:1::/48'] })),
  },
];

describe('EgressGatewayPolicy rules with a Cilium CRD that takes IPv6', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook({ state: await exampleState(fromRoot('test/fixtures/crds/cilium-ipv6-crd.yaml')) });
  });
  after(() => wh.close());

  itValidates(() => wh, ipv6Cases);
});
