// npm run bench:render: what the render check adds to one review, in process, on the objects of the bench mix
// (`npm run bench`): the valid and the invalid policy, and the gateway. Prints microseconds per call of the check
// alone and of the kind's whole validation, against the bundled Cilium 1.17 schema (compiled once, before timing).
import { performance } from 'node:perf_hooks';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { loadStateFiles } from '../../src/cluster/file-state.js';
import { defaultRulesConfig } from '../../src/resources/config.js';
import { egressGateway } from '../../src/resources/egressgateway/index.js';
import { egressGatewayPolicy } from '../../src/resources/egressgatewaypolicy/index.js';
import { gatewayForRender } from '../../src/resources/egressgatewaypolicy/render.js';
import { checkGatewayRender, checkPolicyRender } from '../../src/resources/egressgatewaypolicy/render-check.js';
import type { GatewayInfo } from '../../src/cluster/state.js';
import type { ReviewInput } from '../../src/resources/review-input.js';
import { Findings } from '../../src/rules/findings.js';
import { fromRoot } from '../helpers/paths.js';
import { finish } from '../../src/rules/stages.js';

const state = await loadStateFiles([fromRoot('examples/cluster-state.yaml')], deckhouseAgents);
// The four requests of the bench mix (test/bench/run.ts), as they are there; gw-1 as its cluster state has it.
const gw = (name: string, spec: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name }, spec });
const pol = (name: string, spec: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', metadata: { name }, spec });
const validGateway = gw('bench-gw', { nodeSelector: { 'egress-group': 'g1' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.200', interfaces: ['eth1'] } } });
const selectors = [
  { podSelector: { matchLabels: { app: 'backend', 'io.kubernetes.pod.namespace': 'shop' } } },
  { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] } },
];
const policySpec = { egressGatewayName: 'gw-1', destinationCIDRs: ['0.0.0.0/0', '198.51.100.0/24', '203.0.113.0/24'], excludedCIDRs: ['10.0.0.0/8'], selectors };
const validPolicy = pol('bench-policy', policySpec);
const invalidPolicy = pol('bench-bad', { egressGatewayName: 'gw-l', destinationCIDRs: ['10.0.0.1/8', '192.168.1.1'], selectors: [] });
// The mutating request, as validation sees it after defaulting (mode inferred, default nodeSelector).
const mutateGateway = gw('bench-mutate', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.201' } } });
// The valid policy with an IPv6 destination (as the mix had it before the render check), which the bundled schema refuses.
const ipv6Policy = pol('bench-policy', { ...policySpec, destinationCIDRs: ['0.0.0.0/0', '2001:db8::/32', '203.0.113.0/24'] });
const gw1: GatewayInfo = { name: 'gw-1', mode: 'VirtualIPAddress', virtualIP: '198.51.100.2', ipText: '198.51.100.2', nodeSelector: { 'egress-group': 'g1' } };

function time(what: string, fn: () => void): number {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up: JIT, and the one compilation of the schema
  const n = 50_000;
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    rounds.push(((performance.now() - start) * 1000) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${what.padEnd(58)} ${rounds[0]!.toFixed(2).padStart(7)} µs (median ${rounds[3]!.toFixed(2)})`);
  return rounds[0]!;
}

const input = (object: unknown, gateway?: GatewayInfo): ReviewInput => ({
  operation: 'CREATE',
  object,
  oldObject: undefined,
  name: (object as { metadata: { name: string } }).metadata.name,
  state,
  config: defaultRulesConfig,
  ...(gateway ? { gatewayRef: { status: 'found' as const, gateway } } : { gatewayRef: { status: 'missing' as const } }),
});

console.log(`render check, ${process.version}, bundled Cilium 1.17 schema`);
const mix = [
  time('render check: valid gateway', () => checkGatewayRender(gatewayForRender('bench-gw', validGateway), state, new Findings())),
  time('render check: valid policy', () => checkPolicyRender('bench-policy', validPolicy, gw1, state, new Findings())),
  time('render check: invalid policy (gateway missing)', () => checkPolicyRender('bench-bad', invalidPolicy, undefined, state, new Findings())),
  time('render check: mutated gateway', () => checkGatewayRender(gatewayForRender('bench-mutate', mutateGateway), state, new Findings())),
];
time('render check: a policy with an IPv6 destination (refused)', () => checkPolicyRender('bench-policy', ipv6Policy, gw1, state, new Findings()));
time('whole validation: valid gateway', () => finish(egressGateway.validateWrite(input(validGateway))));
time('whole validation: valid policy', () => finish(egressGatewayPolicy.validateWrite(input(validPolicy, gw1))));
time('whole validation: invalid policy', () => finish(egressGatewayPolicy.validateWrite(input(invalidPolicy))));
time('whole validation: a policy with an IPv6 destination', () => finish(egressGatewayPolicy.validateWrite(input(ipv6Policy, gw1))));
console.log(`render check, mean over the bench mix: ${(mix.reduce((a, b) => a + b, 0) / mix.length).toFixed(2)} µs per review`);
