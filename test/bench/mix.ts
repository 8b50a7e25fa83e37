// The bench mix: the four reviews every throughput, latency and apply-time figure is measured on. A valid gateway,
// a valid policy, a policy with three mistakes (denied) and a gateway that the mutating webhook fills in.

let uid = 0;
/** An AdmissionReview v1 (CREATE) of `object`, as the API server sends it; each call gets a new uid. */
export const review = (object: unknown) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${++uid}`,
      kind: { group: 'network.deckhouse.io', version: 'v1alpha1', kind: (object as { kind: string }).kind },
      resource: { group: 'network.deckhouse.io', version: 'v1alpha1', resource: 'x' },
      name: (object as { metadata: { name: string } }).metadata.name,
      operation: 'CREATE',
      userInfo: { username: 'admin', groups: ['system:masters'] },
      object,
      oldObject: null,
      dryRun: false,
    },
  });
export const gw = (name: string, spec: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name }, spec });
export const pol = (name: string, spec: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', metadata: { name }, spec });
export const validGateway = gw('bench-gw', { nodeSelector: { 'egress-group': 'g1' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.200', interfaces: ['eth1'] } } });
// IPv4 destinations only: the bundled Cilium 1.17 schema of the render check refuses IPv6 ones.
export const validPolicy = pol('bench-policy', {
  egressGatewayName: 'gw-1',
  destinationCIDRs: ['0.0.0.0/0', '198.51.100.0/24', '203.0.113.0/24'],
  excludedCIDRs: ['10.0.0.0/8'],
  selectors: [
    { podSelector: { matchLabels: { app: 'backend', 'io.kubernetes.pod.namespace': 'shop' } } },
    { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] } },
  ],
});
export const invalidPolicy = pol('bench-bad', { egressGatewayName: 'gw-l', destinationCIDRs: ['10.0.0.1/8', '192.168.1.1'], selectors: [] });
export const mutateGateway = gw('bench-mutate', { sourceIP: { virtualIPAddress: { ip: '198.51.100.201' } } });

export interface MixEntry {
  method: 'POST';
  path: '/validate' | '/mutate';
  headers: Record<string, string>;
  body: string;
  /** What the entry is, for tables: kind and the verdict it gets. */
  label: string;
}
const headers = { 'content-type': 'application/json' };
export const mix: MixEntry[] = [
  { method: 'POST', path: '/validate', headers, body: review(validGateway), label: 'validate EgressGateway, allowed' },
  { method: 'POST', path: '/validate', headers, body: review(validPolicy), label: 'validate EgressGatewayPolicy, allowed' },
  { method: 'POST', path: '/validate', headers, body: review(invalidPolicy), label: 'validate EgressGatewayPolicy, denied' },
  { method: 'POST', path: '/mutate', headers, body: review(mutateGateway), label: 'mutate EgressGateway, patched' },
];
