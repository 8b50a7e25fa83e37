// Every rule the webhook applies, with a stable id. Metric labels, log fields, the offline report and the README's
// rule tables all take their ids (and the tables their rows) from this list; a test runs every example.

/** The kinds the webhook knows (src/resources has one folder for each). */
export const kindNames = ['EgressGateway', 'EgressGatewayPolicy', 'CiliumEgressGatewayPolicy'] as const;
export type KindName = (typeof kindNames)[number];

/**
 * deny: a field error that denies; warn: a warning only; configurable: which of the two is a setting
 * (`setting` names it, `effect` of the default).
 */
export type Effect = 'deny' | 'warn' | { configurable: string; default: 'deny' | 'warn' };

/** An object for one example: its spec (absent when undefined) and how it reaches the webhook. */
export interface RuleExample {
  /** Which kind the example is of; the rule's first kind when absent. */
  kind?: KindName;
  /** metadata.name; "example" when absent. */
  name?: string;
  spec?: unknown;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  /** For UPDATE: the stored object's spec. */
  oldSpec?: unknown;
  /** The cluster state the example runs against: the shipped example cluster, or one whose caches never synced. */
  state?: 'example' | 'unsynced';
  /** What the example shows, for the README row (the rule's summary when absent). */
  shows?: string;
  /** For rules of the manifest stage: the whole object as written in a file (apiVersion and kind included). */
  manifest?: Record<string, unknown>;
  /** For rules of the manifest stage: the same object written twice. */
  twice?: boolean;
}

export interface RuleEntry {
  id: string;
  kinds: readonly KindName[];
  effect: Effect;
  /**
   * Where its warnings go when an answer has more than it shows: `high` (traffic dropped or without failover,
   * or not checked at all) first, `low` (redundant entries, style) last, the rest between.
   */
  priority?: 'high' | 'low';
  /** One sentence for the docs: what is checked and why it matters. */
  summary: string;
  /** Each must produce a finding of this rule (the README shows each one's message). */
  fails: readonly RuleExample[];
  /** Must produce no finding of this rule. */
  passes: RuleExample;
  /**
   * manifest: checked by the offline command only, on files; in a cluster kubectl and the API server refuse
   * such objects before any webhook sees them. Absent: checked by the webhook (and the offline command alike).
   */
  stage?: 'manifest';
  /**
   * The platform's own CRD schema refuses these mistakes too. The API server checks that schema after the mutating
   * webhooks and before the validating ones, so the mutating webhook denies with them: else the user reads the API
   * server's generic words (e.g. a oneOf error on `<nil>`) instead of ours.
   */
  platformSchema?: true;
}

const gw = 'EgressGateway';
const pol = 'EgressGatewayPolicy';
const cegp = 'CiliumEgressGatewayPolicy';
const egressNodes = { 'dedicated/egress': '' };
const primary = (interfaceName: unknown = 'eth1') => ({
  mode: 'PrimaryIPFromEgressGatewayNodeInterface',
  primaryIPFromEgressGatewayNodeInterface: { interfaceName },
});
const vip = (ip: unknown, interfaces?: unknown) => ({
  mode: 'VirtualIPAddress',
  virtualIPAddress: interfaces === undefined ? { ip } : { ip, interfaces },
});
const gatewaySpec = (sourceIP: unknown = primary(), nodeSelector: unknown = egressNodes) => ({ nodeSelector, sourceIP });
const appPods = [{ podSelector: { matchLabels: { app: 'backend' } } }];
const policySpec = (more: Record<string, unknown> = {}) => ({
  egressGatewayName: 'egress-gw',
  destinationCIDRs: ['203.0.113.0/24'],
  selectors: appPods,
  ...more,
});
const ciliumGateway = { nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'egress-a' } }, interface: 'eth1' };
const ciliumSpec = (more: Record<string, unknown> = {}) => ({
  destinationCIDRs: ['203.0.113.0/24'],
  selectors: appPods,
  egressGateway: ciliumGateway,
  ...more,
});

export const catalogue = [
  // Structure, for every kind: what the API server's structural schema would also say, in our words.
  {
    id: 'schema-required',
    platformSchema: true,
    kinds: [gw, pol, cegp],
    effect: 'deny',
    summary: 'A field the resource needs is missing.',
    fails: [{ kind: pol, spec: { destinationCIDRs: ['10.0.0.0/8'], selectors: appPods } }],
    passes: { kind: pol, spec: policySpec() },
  },
  {
    id: 'schema-type',
    platformSchema: true,
    kinds: [gw, pol, cegp],
    effect: 'deny',
    summary: 'A field has the wrong JSON type (a list where a map belongs, a number where a string belongs).',
    fails: [{ spec: gatewaySpec(primary(), ['dedicated/egress']) }],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'schema-unknown-field',
    kinds: [gw, pol, cegp],
    effect: { configurable: '--unknown-fields', default: 'deny' },
    summary: 'A field the schema does not know, usually a typo; the message names the field meant.',
    fails: [{ spec: { ...gatewaySpec(), sourceIP: { mode: 'VirtualIPAddress', virtualIPAdress: { ip: '172.18.18.242' } } } }],
    passes: { spec: gatewaySpec(vip('172.18.18.242')) },
  },

  // Manifests, as the offline command reads them: what kubectl apply or the API server would refuse by itself.
  {
    id: 'manifest-kind',
    kinds: [gw, pol, cegp],
    effect: 'deny',
    stage: 'manifest',
    summary: 'A kind of ours under another apiVersion, or a kind of our groups close to one of ours: kubectl apply fails with "no matches for kind".',
    fails: [
      { manifest: { apiVersion: 'network.deckhouse.io/v1', kind: gw, metadata: { name: 'gw' }, spec: gatewaySpec() }, shows: 'wrong apiVersion' },
      { manifest: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatway', metadata: { name: 'gw' }, spec: gatewaySpec() }, shows: 'misspelt kind' },
    ],
    passes: { manifest: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: gw, metadata: { name: 'gw' }, spec: gatewaySpec() } },
  },
  {
    id: 'manifest-name',
    kinds: [gw, pol, cegp],
    effect: 'deny',
    stage: 'manifest',
    summary: '`metadata.name` is present and a lowercase RFC 1123 subdomain, as the API server requires of these cluster-scoped objects.',
    fails: [
      { manifest: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: gw, metadata: {}, spec: gatewaySpec() }, shows: 'missing' },
      { manifest: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: gw, metadata: { name: 'Egress_GW' }, spec: gatewaySpec() }, shows: 'not a DNS subdomain' },
    ],
    passes: { manifest: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: gw, metadata: { name: 'egress-gw-2' }, spec: gatewaySpec() } },
  },
  {
    id: 'manifest-duplicate',
    kinds: [gw, pol, cegp],
    effect: 'deny',
    stage: 'manifest',
    summary: 'The same kind and name twice across the inputs: kubectl apply keeps only the last one.',
    fails: [{ manifest: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: gw, metadata: { name: 'gw' }, spec: gatewaySpec() }, twice: true }],
    passes: { manifest: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: gw, metadata: { name: 'gw' }, spec: gatewaySpec() } },
  },

  // EgressGateway
  {
    id: 'gateway-name-length',
    kinds: [gw],
    effect: 'deny',
    summary:
      'The name is at most 52 bytes: the platform labels the active node `egress-gateway.network.deckhouse.io/active-for-<name>`, and a label name is at most 63 characters.',
    fails: [{ name: 'g'.repeat(53), spec: gatewaySpec() }],
    passes: { name: 'g'.repeat(52), spec: gatewaySpec() },
  },
  {
    id: 'gateway-mode',
    platformSchema: true,
    kinds: [gw],
    effect: 'deny',
    summary: '`spec.sourceIP.mode` is one of the two modes (case-sensitive); a near miss gets the likely one.',
    fails: [
      { spec: gatewaySpec({}), shows: 'mode missing (and no block to infer it from)' },
      { spec: gatewaySpec({ ...vip('172.18.18.242'), mode: 'VirtualIP' }), shows: 'mode misspelt' },
      { spec: gatewaySpec({ ...vip('172.18.18.242'), mode: 'ARP' }), shows: 'mode far from both: the one whose block is present' },
    ],
    passes: { spec: gatewaySpec(vip('172.18.18.242')) },
  },
  {
    id: 'gateway-mode-block',
    platformSchema: true,
    kinds: [gw],
    effect: 'deny',
    summary: 'The block of the chosen mode is present, and the block of the other mode is not.',
    fails: [
      { spec: gatewaySpec({ mode: 'VirtualIPAddress' }), shows: 'block of the chosen mode missing' },
      { spec: gatewaySpec({ ...primary(), virtualIPAddress: { ip: '172.18.18.242' } }), shows: 'block of the other mode present' },
    ],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'interface-name',
    kinds: [gw, cegp],
    effect: 'deny',
    summary: "A network interface name follows Linux's rules: 1 to 15 bytes, not `.` or `..`, no `/`, `:`, whitespace or NUL; `interfaces` entries are unique.",
    fails: [
      { spec: gatewaySpec(primary('')), shows: 'empty' },
      { spec: gatewaySpec(primary('enp0s31f6-public')), shows: 'over 15 bytes' },
      { spec: gatewaySpec(primary('..')), shows: '`.` or `..`' },
      { spec: gatewaySpec(primary('eth1:0')), shows: 'with `/`, `:`, whitespace or NUL' },
      { spec: gatewaySpec(vip('172.18.18.242', ['eth1', 'eth1'])), shows: '`interfaces` entry repeated (`interfaces: []` is fine)' },
    ],
    passes: { spec: gatewaySpec(vip('172.18.18.242', [])) },
  },
  {
    id: 'gateway-interface-unannounced',
    kinds: [gw],
    effect: 'deny',
    summary:
      "`virtualIPAddress.interfaces` entries do not start with `cilium_` or `lxc`: those are Cilium's own devices, and the egress-gateway agent never announces the virtual IP on them.",
    fails: [
      { spec: gatewaySpec(vip('172.18.18.242', ['eth1', 'cilium_host'])), shows: '`cilium_*` entry' },
      { spec: gatewaySpec(vip('172.18.18.242', ['lxc12ab34cd'])), shows: '`lxc*` entry' },
    ],
    passes: { spec: gatewaySpec(vip('172.18.18.242', ['eth1', 'bond0'])) },
  },
  {
    id: 'gateway-virtual-ip',
    kinds: [gw],
    effect: 'deny',
    summary:
      'The virtual IP is one unicast address: no prefix length, no leading zeros (Go refuses them), not unspecified, loopback, multicast, link-local or broadcast.',
    fails: [
      { spec: gatewaySpec(vip('10.0.0.5/32')), shows: 'with a prefix length' },
      { spec: gatewaySpec(vip('172.18.18.256')), shows: 'not an address' },
      { spec: gatewaySpec(vip('127.0.0.53')), shows: 'loopback, multicast, ...' },
    ],
    passes: { spec: gatewaySpec(vip('172.18.18.242')) },
  },
  {
    id: 'gateway-virtual-ip-in-use',
    kinds: [gw],
    effect: 'deny',
    summary: 'No other EgressGateway has the same virtual IP (an UPDATE that keeps an address it already had only warns).',
    fails: [{ spec: gatewaySpec(vip('172.18.18.250')) }],
    passes: { name: 'egress-gw-vip', spec: gatewaySpec(vip('172.18.18.250')) },
  },
  {
    id: 'gateway-virtual-ip-node-address',
    kinds: [gw],
    effect: 'deny',
    summary: "The virtual IP is no node's address (an UPDATE that keeps an address it already had only warns).",
    fails: [{ spec: gatewaySpec(vip('172.18.18.12')) }],
    passes: { spec: gatewaySpec(vip('172.18.18.242')) },
  },
  {
    id: 'gateway-node-selector',
    kinds: [gw],
    effect: 'deny',
    summary: '`spec.nodeSelector` keys and values follow the Kubernetes label syntax (the API server\'s own wording).',
    fails: [{ spec: gatewaySpec(primary(), { '-bad': '' }) }],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'gateway-reserved-node-label',
    kinds: [gw],
    effect: 'warn',
    summary:
      '`nodeSelector` keys under `node-role.deckhouse.io/` are reserved by Deckhouse: a node label there that Deckhouse does not know fires the alert `D8ReservedNodeLabelOrTaintFound`; label egress nodes `dedicated/egress` instead.',
    fails: [{ spec: gatewaySpec(primary(), { 'node-role.deckhouse.io/egress': '' }) }],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'gateway-empty-node-selector',
    kinds: [gw],
    effect: 'warn',
    summary: 'An explicitly empty `nodeSelector: {}` makes every node of the cluster a candidate.',
    fails: [{ spec: gatewaySpec(primary(), {}) }],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'gateway-no-matching-node',
    kinds: [gw],
    effect: 'warn',
    priority: 'high',
    summary: "No node matches the selector: the traffic of the gateway's policies is dropped.",
    fails: [{ spec: gatewaySpec(primary(), { 'dedicated/egrss': '' }) }],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'gateway-no-eligible-node',
    kinds: [gw],
    effect: 'warn',
    priority: 'high',
    summary: 'Nodes match, but none is eligible (Ready, not cordoned, Ready agents); the warning says why, per node.',
    fails: [{ spec: gatewaySpec(primary(), { 'kubernetes.io/hostname': 'egress-c' }) }],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'gateway-single-node',
    kinds: [gw],
    effect: 'warn',
    priority: 'high',
    summary: 'Exactly one node is eligible: no standby, so no failover.',
    fails: [{ spec: gatewaySpec(primary(), { 'kubernetes.io/hostname': 'egress-a' }) }],
    passes: { spec: gatewaySpec() },
  },
  {
    id: 'gateway-delete-in-use',
    kinds: [gw],
    effect: { configurable: '--on-delete-in-use', default: 'deny' },
    priority: 'high',
    summary: 'DELETE of a gateway that policies still name (403 Forbidden, naming the policies): the platform would skip them silently.',
    fails: [{ name: 'egress-gw', operation: 'DELETE', spec: gatewaySpec() }],
    passes: { name: 'my-egressgw', operation: 'DELETE', spec: gatewaySpec() },
  },
  {
    id: 'gateway-delete-unchecked',
    kinds: [gw],
    effect: { configurable: '--on-unchecked-reference', default: 'warn' },
    priority: 'high',
    summary: 'DELETE while the cluster state is not synced: the policies that name the gateway could not be checked.',
    fails: [{ name: 'egress-gw', operation: 'DELETE', spec: gatewaySpec(), state: 'unsynced' }],
    passes: { name: 'egress-gw', operation: 'DELETE', spec: gatewaySpec(), state: 'example' },
  },

  // EgressGatewayPolicy
  {
    id: 'policy-name-length',
    kinds: [pol],
    effect: 'deny',
    summary: 'The name is at most 250 bytes: the platform creates CiliumEgressGatewayPolicy `d8.<name>`, and a name is at most 253.',
    fails: [{ name: 'p'.repeat(251), spec: policySpec() }],
    passes: { name: 'p'.repeat(250), spec: policySpec() },
  },
  {
    id: 'policy-gateway-ref',
    kinds: [pol],
    effect: 'deny',
    summary:
      '`spec.egressGatewayName` names an existing EgressGateway (close names suggested); a cache miss is confirmed by a live lookup, and an UPDATE that keeps a vanished gateway only warns.',
    fails: [
      { spec: policySpec({ egressGatewayName: '' }), shows: 'empty' },
      { spec: policySpec({ egressGatewayName: 'My_Gateway' }), shows: 'not a valid object name' },
      { spec: policySpec({ egressGatewayName: 'my-egresgw' }), shows: 'no such gateway, with close names' },
    ],
    passes: { spec: policySpec() },
  },
  {
    id: 'policy-gateway-unchecked',
    kinds: [pol],
    effect: { configurable: '--on-unchecked-reference', default: 'warn' },
    priority: 'high',
    summary: 'The gateway reference could not be checked (cache not synced and the API server did not answer).',
    fails: [{ spec: policySpec(), state: 'unsynced' }],
    passes: { spec: policySpec() },
  },
  {
    id: 'cidr-invalid',
    kinds: [pol, cegp],
    effect: 'deny',
    summary: 'Each destination and excluded CIDR is an IPv4 or IPv6 network with zero host bits; the message gives the canonical form.',
    fails: [
      { kind: pol, spec: policySpec({ destinationCIDRs: ['10.0.0.1/8'] }), shows: 'host bits set' },
      { kind: pol, spec: policySpec({ excludedCIDRs: ['10.1.2.3'] }), shows: 'bare address' },
      { kind: pol, spec: policySpec({ destinationCIDRs: ['10.0.0.0/33'] }), shows: 'prefix out of range' },
      { kind: pol, spec: policySpec({ destinationCIDRs: ['any'] }), shows: 'not a CIDR' },
    ],
    passes: { kind: pol, spec: policySpec({ destinationCIDRs: ['10.0.0.0/8'] }) },
  },
  {
    id: 'cidr-duplicate',
    kinds: [pol, cegp],
    effect: 'warn',
    priority: 'low',
    summary: 'The same CIDR twice in one list (compared canonically).',
    fails: [{ kind: pol, spec: policySpec({ destinationCIDRs: ['2001:db8::/32', '2001:0DB8::/32'] }) }],
    passes: { kind: pol, spec: policySpec({ destinationCIDRs: ['2001:db8::/32'] }) },
  },
  {
    id: 'cidr-nested',
    kinds: [pol, cegp],
    effect: 'warn',
    priority: 'low',
    summary: 'A CIDR inside another CIDR of the same list changes nothing.',
    fails: [{ kind: pol, spec: policySpec({ destinationCIDRs: ['10.1.0.0/16', '10.0.0.0/8'] }) }],
    passes: { kind: pol, spec: policySpec({ destinationCIDRs: ['10.0.0.0/8', '192.168.0.0/16'] }) },
  },
  {
    id: 'excluded-outside',
    kinds: [pol, cegp],
    effect: 'warn',
    priority: 'low',
    summary: 'An excluded CIDR outside every destination has no effect: Cilium ignores it.',
    fails: [{ kind: pol, spec: policySpec({ destinationCIDRs: ['10.0.0.0/8'], excludedCIDRs: ['192.168.0.0/16'] }) }],
    passes: { kind: pol, spec: policySpec({ destinationCIDRs: ['10.0.0.0/8'], excludedCIDRs: ['10.1.0.0/16'] }) },
  },
  {
    id: 'excluded-covers-destination',
    kinds: [pol, cegp],
    effect: 'warn',
    priority: 'high',
    summary: 'An excluded CIDR that covers a whole destination leaves that destination routing nothing.',
    fails: [{ kind: pol, spec: policySpec({ destinationCIDRs: ['203.0.113.0/24'], excludedCIDRs: ['203.0.113.0/24'] }) }],
    passes: { kind: pol, spec: policySpec({ destinationCIDRs: ['203.0.113.0/24'], excludedCIDRs: ['203.0.113.128/25'] }) },
  },
  {
    id: 'family-mismatch',
    kinds: [pol, cegp],
    effect: 'warn',
    priority: 'high',
    summary: "Destinations of the address family the gateway's source address cannot serve (IPv6 behind an IPv4 virtual IP or egressIP, and the reverse).",
    fails: [{ kind: pol, spec: policySpec({ egressGatewayName: 'egress-gw-vip', destinationCIDRs: ['0.0.0.0/0', '::/0'] }) }],
    passes: { kind: pol, spec: policySpec({ egressGatewayName: 'egress-gw-vip', destinationCIDRs: ['0.0.0.0/0'] }) },
  },
  {
    id: 'cilium-render',
    kinds: [pol, gw],
    effect: 'deny',
    summary:
      "The CiliumEgressGatewayPolicy `d8.<policy>` the platform renders from a policy and its gateway passes the cluster's installed CiliumEgressGatewayPolicy CRD (else the bundled Cilium 1.17 one, which takes IPv4 only); each failure is reported on the field the user wrote.",
    fails: [
      { kind: pol, spec: policySpec({ destinationCIDRs: ['2001:db8::/32'] }), shows: 'IPv6 destination under Cilium 1.17' },
      { kind: pol, spec: { egressGatewayName: 'egress-gw', destinationCIDRs: ['203.0.113.0/24'] }, shows: 'no `selectors` (rendered as null, which the API server drops)' },
      { kind: gw, spec: gatewaySpec(vip('2001:db8::10')), shows: 'IPv6 virtual IP under Cilium 1.17' },
    ],
    passes: { kind: pol, spec: policySpec({ destinationCIDRs: ['203.0.113.0/24'], excludedCIDRs: ['203.0.113.128/25'] }) },
  },
  {
    id: 'destinations-empty',
    kinds: [pol, cegp],
    effect: 'warn',
    summary:
      'An empty `destinationCIDRs` list routes nothing: Cilium accepts the policy and matches no destination (an absent list gets the default instead).',
    fails: [
      { kind: pol, spec: policySpec({ destinationCIDRs: [] }) },
      { kind: cegp, spec: ciliumSpec({ destinationCIDRs: [] }) },
    ],
    passes: { kind: pol, spec: policySpec() },
  },
  {
    id: 'selector-label',
    kinds: [pol, cegp],
    effect: 'deny',
    summary: 'Label keys and values in pod, namespace and node selectors follow the Kubernetes label syntax.',
    fails: [{ kind: pol, spec: policySpec({ selectors: [{ podSelector: { matchLabels: { 'app/': 'x' } } }] }) }],
    passes: { kind: pol, spec: policySpec() },
  },
  {
    id: 'selector-operator',
    kinds: [pol, cegp],
    effect: 'deny',
    summary: 'A match expression uses one of In, NotIn, Exists, DoesNotExist; In and NotIn have values, Exists and DoesNotExist none.',
    fails: [
      { kind: pol, spec: policySpec({ selectors: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'in', values: ['a'] }] } }] }), shows: 'unknown operator, with the likely one' },
      { kind: pol, spec: policySpec({ selectors: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }] }), shows: '`In`/`NotIn` without values' },
      { kind: pol, spec: policySpec({ selectors: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['a'] }] } }] }), shows: '`Exists`/`DoesNotExist` with values' },
    ],
    passes: { kind: pol, spec: policySpec({ selectors: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] } }] }) },
  },
  {
    id: 'selectors-empty',
    kinds: [pol, cegp],
    effect: 'warn',
    priority: 'high',
    summary: 'A policy whose `selectors` list is empty routes no pod through the gateway.',
    fails: [{ kind: pol, spec: policySpec({ selectors: [] }) }],
    passes: { kind: pol, spec: policySpec() },
  },
  {
    id: 'pod-selector-empty',
    kinds: [pol, cegp],
    effect: 'warn',
    summary: 'An empty pod selector selects every pod of the cluster.',
    fails: [{ kind: pol, spec: policySpec({ selectors: [{ podSelector: {} }] }) }],
    passes: { kind: pol, spec: policySpec() },
  },

  // CiliumEgressGatewayPolicy (cilium.io/v2): what makes Cilium's agent ignore a policy or route it nowhere.
  {
    id: 'cilium-destinations',
    kinds: [cegp],
    effect: 'deny',
    summary: '`spec.destinationCIDRs` is present: the CRD requires it (an empty list is legal and only warned about, see `destinations-empty`).',
    fails: [{ spec: { selectors: appPods, egressGateway: ciliumGateway } }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-selectors',
    kinds: [cegp],
    effect: 'deny',
    summary: '`spec.selectors` is required: the pods whose traffic uses the gateway.',
    fails: [{ spec: { destinationCIDRs: ['203.0.113.0/24'], egressGateway: ciliumGateway } }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-selector-entry',
    kinds: [cegp],
    effect: 'deny',
    summary: 'Each selector entry has a podSelector or a namespaceSelector; an entry without either makes Cilium ignore the whole policy.',
    fails: [{ spec: ciliumSpec({ selectors: [{ nodeSelector: { matchLabels: { zone: 'a' } } }] }) }],
    passes: { spec: ciliumSpec({ selectors: [{ namespaceSelector: { matchLabels: { team: 'a' } } }] }) },
  },
  {
    id: 'cilium-gateway',
    kinds: [cegp],
    effect: 'deny',
    summary: 'A gateway is given (`egressGateway`, or `egressGateways` in Cilium 1.20).',
    fails: [{ spec: { destinationCIDRs: ['203.0.113.0/24'], selectors: appPods } }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-gateway-node-selector',
    kinds: [cegp],
    effect: 'deny',
    summary: 'Each gateway has a `nodeSelector` for the node that SNATs the traffic.',
    fails: [{ spec: ciliumSpec({ egressGateway: { interface: 'eth1' } }) }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-egress-ip',
    kinds: [cegp],
    effect: 'deny',
    summary: '`egressIP` is one unicast address, without a prefix length.',
    fails: [
      { spec: ciliumSpec({ egressGateway: { nodeSelector: ciliumGateway.nodeSelector, egressIP: '10.0.1.300' } }), shows: 'not an address' },
      { spec: ciliumSpec({ egressGateway: { nodeSelector: ciliumGateway.nodeSelector, egressIP: '10.0.1.100/32' } }), shows: 'with a prefix, or loopback, multicast, ...' },
    ],
    passes: { spec: ciliumSpec({ egressGateway: { nodeSelector: ciliumGateway.nodeSelector, egressIP: '10.0.1.100' } }) },
  },
  {
    id: 'cilium-egress-ip-and-interface',
    kinds: [cegp],
    effect: 'deny',
    summary: "A gateway sets `egressIP` or `interface`, not both: Cilium's agent refuses a policy whose gateway sets both.",
    fails: [{ spec: ciliumSpec({ egressGateway: { ...ciliumGateway, egressIP: '10.0.1.100' } }) }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-no-matching-node',
    kinds: [cegp],
    effect: 'warn',
    priority: 'high',
    summary: "No node matches the gateway's selector: Cilium drops the policy's traffic.",
    fails: [{ spec: ciliumSpec({ egressGateway: { nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'nowhere' } } } }) }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-no-eligible-node',
    kinds: [cegp],
    effect: 'warn',
    priority: 'high',
    summary: 'Nodes match the gateway selector, but none is eligible (Ready, not cordoned, a Ready cilium agent).',
    fails: [{ spec: ciliumSpec({ egressGateway: { nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'egress-c' } } } }) }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-several-nodes',
    kinds: [cegp],
    effect: 'warn',
    priority: 'high',
    summary: 'Several nodes match: Cilium uses only the first by name, with no failover (and says when that one is not eligible).',
    fails: [{ spec: ciliumSpec({ egressGateway: { nodeSelector: { matchLabels: egressNodes } } }) }],
    passes: { spec: ciliumSpec() },
  },
  {
    id: 'cilium-egress-ip-owner',
    kinds: [cegp],
    effect: 'warn',
    priority: 'high',
    summary: "`egressIP` is the address of another node than the gateway node, which cannot SNAT with it.",
    fails: [{ spec: ciliumSpec({ egressGateway: { nodeSelector: ciliumGateway.nodeSelector, egressIP: '172.18.18.12' } }) }],
    passes: { spec: ciliumSpec({ egressGateway: { nodeSelector: ciliumGateway.nodeSelector, egressIP: '172.18.18.11' } }) },
  },
  {
    id: 'cilium-gateway-ignored',
    kinds: [cegp],
    effect: 'warn',
    priority: 'high',
    summary: '`egressGateway` is ignored while `egressGateways` (Cilium 1.20) is set, and is not in that list.',
    fails: [
      {
        spec: ciliumSpec({
          egressGateways: [{ nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'egress-b' } }, interface: 'eth1' }],
        }),
      },
    ],
    passes: { spec: ciliumSpec({ egressGateways: [ciliumGateway] }) },
  },
] as const satisfies readonly RuleEntry[];

/**
 * Node warnings (the optional webhook on Node UPDATE, POST /warn-node). A section of its own: Node is not a kind the
 * webhook validates (no descriptor, no schema, never denied), so these rules do not widen `kindNames`. Each example
 * changes one node of the shipped example cluster state.
 */
export interface NodeRuleExample {
  /** The node of the example cluster state that the update changes. */
  node: string;
  /** What the update sets: spec.unschedulable, and labels added (a value) or removed (null). */
  change: { unschedulable?: boolean; labels?: Record<string, string | null> };
  /** Nodes cordoned in the state beforehand. */
  cordoned?: readonly string[];
  shows?: string;
}

export interface NodeRuleEntry {
  id: string;
  effect: 'warn';
  summary: string;
  fails: readonly NodeRuleExample[];
  passes: NodeRuleExample;
}

export const nodeRules = [
  {
    id: 'node-update-loses-egress',
    effect: 'warn',
    summary:
      "Cordoning or relabelling a node takes the last eligible node of a gateway: no standby remains, and the traffic of the gateway's policies is dropped until a node is eligible again.",
    fails: [
      { node: 'egress-a', change: { unschedulable: true }, cordoned: ['egress-b'], shows: 'cordon' },
      { node: 'egress-a', change: { labels: { 'dedicated/egress': null } }, cordoned: ['egress-b'], shows: 'label removed' },
    ],
    passes: { node: 'egress-a', change: { unschedulable: true } },
  },
  {
    id: 'node-update-no-standby',
    effect: 'warn',
    summary: 'Cordoning or relabelling a node leaves a gateway one eligible node: it keeps egress, but no standby remains for failover.',
    fails: [{ node: 'egress-a', change: { unschedulable: true } }],
    passes: { node: 'egress-c', change: { unschedulable: false } },
  },
] as const satisfies readonly NodeRuleEntry[];

/** Rules of the kinds' catalogue. */
export type KindRuleId = (typeof catalogue)[number]['id'];
export type NodeRuleId = (typeof nodeRules)[number]['id'];
export type RuleId = KindRuleId | NodeRuleId;

export const ruleIds: readonly RuleId[] = [...catalogue.map((r) => r.id), ...nodeRules.map((r) => r.id)];

const byId = new Map<string, RuleEntry>(catalogue.map((r) => [r.id, r]));

export function ruleEntry(id: KindRuleId): RuleEntry {
  return byId.get(id)!;
}

const anyIds = new Set<string>(ruleIds);

/** Whether the id is any rule's, node rules included (for metric labels and reports). */
export function isAnyRuleId(id: string): id is RuleId {
  return anyIds.has(id);
}

/** Whether the id is a rule of the kinds' catalogue (node rules have no RuleEntry). */
export function isRuleId(id: string): id is KindRuleId {
  return byId.has(id);
}
