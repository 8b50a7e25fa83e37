import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AdmitDeps, evaluate } from '../src/admission/admit.js';
import { parseReview } from '../src/admission/envelope.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { qualifiedNameErrors } from '../src/rules/kubernetes-names.js';
import { ciliumPolicy, exampleState, gateway, reviewOf } from './helpers/webhook.js';

// Past the 50 errors an answer shows, errors are counted without being built. What the counts feed is what an
// operator sees: "... and N more errors not shown" and the per-rule denials_total series. Each case goes past the
// cap of one rule and pins the count of every rule it hits.

async function counts(object: unknown): Promise<Record<string, number>> {
  const deps: AdmitDeps = { state: await exampleState(), config: defaultRulesConfig };
  const parsed = parseReview(JSON.parse(JSON.stringify(reviewOf(object))));
  if (!parsed.ok) throw new Error(parsed.message);
  const result = await evaluate(parsed.request, deps);
  if (result.skipped !== undefined) throw new Error(result.skipped);
  return Object.fromEntries(result.findings.errorCounts);
}

const many = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
const cilium = (egressGateways: unknown[]) =>
  ciliumPolicy('p', { selectors: [{ podSelector: { matchLabels: { app: 'a' } } }], destinationCIDRs: ['0.0.0.0/0'], egressGateways });

describe('errors past the cap are counted, one per problem', () => {
  it('60 Cilium gateways with interface and egressIP and no nodeSelector: 60 of each', async () => {
    assert.deepEqual(await counts(cilium(many(60, () => ({ interface: 'eth0', egressIP: '10.0.0.1' })))), {
      'cilium-gateway-node-selector': 60,
      'cilium-egress-ip-and-interface': 60,
    });
  });

  it('60 Cilium gateways with an egressIP that is no address: 60', async () => {
    const nodeSelector = { matchLabels: { 'egress-gateway': 'true' } };
    assert.deepEqual(await counts(cilium(many(60, () => ({ nodeSelector, egressIP: 'x' })))), { 'cilium-egress-ip': 60 });
  });

  it('interface names: one error per problem, also past the cap (50 x "." then 10 too long and with ":")', async () => {
    const interfaces = [...many(50, () => '.'), ...many(10, (i) => `xxxxxxxxxxxxxxxxxxx${i}:`)];
    const object = gateway('g', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '172.18.18.242', interfaces } } });
    // 50 "." and 49 of them duplicates, then 2 problems each for the last 10 (counted only: the room is used up).
    assert.deepEqual(await counts(object), { 'interface-name': 50 + 49 + 20 });
  });

  it('60 empty interface names: 60', async () => {
    const object = gateway('g', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '172.18.18.242', interfaces: many(60, () => '') } } });
    // 60 Required and 59 Duplicate value.
    assert.deepEqual(await counts(object), { 'interface-name': 60 + 59 });
  });
});

describe('label keys without a prefix', () => {
  it('63 characters are fine, 64 are too long (the fast path for plain keys stops at 63)', () => {
    assert.deepEqual(qualifiedNameErrors('a'.repeat(63)), []);
    assert.deepEqual(qualifiedNameErrors('a'.repeat(64)), ['name part must be no more than 63 characters']);
  });
});
