import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { pino } from 'pino';
import { mutateRequest, validateRequest } from '../src/admission/admit.js';
import { type AdmissionRequest, jsonNestingExceeds } from '../src/admission/envelope.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { CIDRIndex, type ListedCIDR, redundantEntries } from '../src/rules/cidrs.js';
import { type CIDR, cidrContainsIP, cidrText, formatIP, parseCIDR, parseIP } from '../src/rules/ip.js';
import { buildApp, type WebhookApp } from '../src/server/app.js';
import { assertMutateAsDefined } from './helpers/mutate-oracle.js';
import { exampleState, testCertificates } from './helpers/webhook.js';

// Property-based tests: whatever arrives, the answer is a well-formed AdmissionReview or a 4xx with a JSON
// error; never a throw, never a 5xx. More than 10,000 generated inputs per run (counted below), plus the
// IP and CIDR rules checked against node:net as an independent oracle.

const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
let generated = 0;
const runs = (numRuns: number) => {
  generated += numRuns;
  return { numRuns, seed };
};

// Strings that hit the rules' branches, mixed with arbitrary ones.
const interesting = fc.constantFrom(
  '', 'eth1', 'eth1:0', 'a/b', '.', '..', 'enp0s31f6-public', '10.0.0.0/8', '10.0.0.1/8', '10.1.2.3', '0.0.0.0/0', '::/0', '2001:DB8::1/32',
  '172.18.18.242', '172.18.18.250', '172.18.18.11', '127.0.0.1', 'fe80::1', '255.255.255.255', 'VirtualIPAddress', 'VirtualIP',
  'PrimaryIPFromEgressGatewayNodeInterface', 'In', 'in', 'NotIn', 'Exists', 'DoesNotExist', 'dedicated/egress', 'my-egressgw', 'egress-gw',
  'egress-gw-vip', 'x'.repeat(70), '__proto__', 'constructor',
);
const str = fc.oneof(interesting, fc.string({ maxLength: 20 }), fc.ipV4(), fc.ipV6());
const anyValue: fc.Arbitrary<unknown> = fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null), fc.array(str, { maxLength: 3 }), fc.dictionary(str, str, { maxKeys: 3 }));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof(arb, anyValue), { nil: undefined });
const labels = fc.dictionary(str, str, { maxKeys: 3 });
const selector = fc.record(
  {
    matchLabels: maybe(labels),
    matchExpressions: maybe(fc.array(fc.record({ key: maybe(str), operator: maybe(str), values: maybe(fc.array(str, { maxLength: 3 })) }, { requiredKeys: [] }), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const gatewaySpec = fc.record(
  {
    nodeSelector: maybe(labels),
    sourceIP: maybe(
      fc.record(
        {
          mode: maybe(str),
          primaryIPFromEgressGatewayNodeInterface: maybe(fc.record({ interfaceName: maybe(str) }, { requiredKeys: [] })),
          virtualIPAddress: maybe(fc.record({ ip: maybe(str), interfaces: maybe(fc.array(str, { maxLength: 4 })) }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);
const policySpec = fc.record(
  {
    egressGatewayName: maybe(str),
    destinationCIDRs: maybe(fc.array(str, { maxLength: 5 })),
    excludedCIDRs: maybe(fc.array(str, { maxLength: 5 })),
    selectors: maybe(fc.array(fc.record({ podSelector: maybe(selector) }, { requiredKeys: [] }), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const ciliumGateway = fc.record({ nodeSelector: maybe(selector), interface: maybe(str), egressIP: maybe(str) }, { requiredKeys: [] });
const ciliumPolicySpec = fc.record(
  {
    selectors: maybe(fc.array(fc.record({ podSelector: maybe(selector), namespaceSelector: maybe(selector), nodeSelector: maybe(selector) }, { requiredKeys: [] }), { maxLength: 3 })),
    destinationCIDRs: maybe(fc.array(str, { maxLength: 5 })),
    excludedCIDRs: maybe(fc.array(str, { maxLength: 5 })),
    egressGateway: maybe(ciliumGateway),
    egressGateways: maybe(fc.array(ciliumGateway, { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const metadata = fc.record({ name: maybe(fc.oneof(str, fc.string({ minLength: 50, maxLength: 260 }))), deletionTimestamp: fc.option(fc.constant('2026-01-01T00:00:00Z'), { nil: undefined }) }, { requiredKeys: [] });
const resource = fc.oneof(
  fc.record({ apiVersion: fc.constant('network.deckhouse.io/v1alpha1'), kind: fc.constant('EgressGateway'), metadata, spec: maybe(gatewaySpec) }, { requiredKeys: ['kind'] }),
  fc.record({ apiVersion: fc.constant('network.deckhouse.io/v1alpha1'), kind: fc.constant('EgressGatewayPolicy'), metadata, spec: maybe(policySpec) }, { requiredKeys: ['kind'] }),
  fc.record({ apiVersion: fc.constant('cilium.io/v2'), kind: fc.constant('CiliumEgressGatewayPolicy'), metadata, spec: maybe(ciliumPolicySpec) }, { requiredKeys: ['kind'] }),
);
const groupVersion = (object: { kind: string }) =>
  object.kind === 'CiliumEgressGatewayPolicy' ? { group: 'cilium.io', version: 'v2' } : { group: 'network.deckhouse.io', version: 'v1alpha1' };
/** What arrives over the wire is JSON: no undefined, no functions. */
const asJSON = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? null));

const operation = fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT');
const request = fc.record({
  uid: fc.uuid(),
  kind: fc.record({
    group: fc.constantFrom('network.deckhouse.io', 'cilium.io', '', 'apps'),
    version: fc.constantFrom('v1alpha1', 'v2', 'v1'),
    kind: fc.constantFrom('EgressGateway', 'EgressGatewayPolicy', 'CiliumEgressGatewayPolicy', 'Pod'),
  }),
  operation,
  subResource: fc.option(fc.constantFrom('status', ''), { nil: undefined }),
  object: resource,
  oldObject: fc.option(resource, { nil: undefined }),
});

function assertWellFormedResponse(response: any, uid: string): void {
  assert.equal(response.uid, uid);
  assert.equal(typeof response.allowed, 'boolean');
  if (!response.allowed) {
    assert.ok([403, 422].includes(response.status.code), `status ${response.status.code}: ${response.status.message}`);
    assert.ok(response.status.message.length > 0);
  }
  if (response.warnings !== undefined) {
    assert.ok(response.warnings.length > 0 && response.warnings.length <= 10);
    for (const w of response.warnings) assert.ok(typeof w === 'string' && w.length <= 120, w);
  }
  if (response.patch !== undefined) {
    assert.equal(response.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    assert.ok(Array.isArray(ops) && ops.length > 0 && ops.every((o: any) => o.op === 'add' && o.path.startsWith('/spec')));
  }
}

describe('fuzzing the webhook', () => {
  let app: WebhookApp;
  before(async () => {
    app = await buildApp({ tls: await testCertificates(), logger: pino({ level: 'silent' }), state: await exampleState(), config: defaultRulesConfig });
    await app.ready();
  });
  after(async () => {
    await app.close();
    console.log(`# fuzz: ${generated} generated inputs, seed ${seed} (FUZZ_SEED=${seed} repeats them)`);
    assert.ok(generated >= 10_000);
  });

  const send = async (path: string, payload: string) => {
    const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload });
    assert.ok(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500), `HTTP ${res.statusCode}: ${res.body}`);
    const body = res.json();
    if (res.statusCode !== 200) assert.ok(typeof body.error === 'string' && typeof body.message === 'string');
    return { status: res.statusCode, body };
  };

  it('arbitrary JSON bodies get a 4xx with a JSON error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/validate', '/mutate'), fc.json(), async (path, payload) => {
        const { status } = await send(path, payload);
        assert.notEqual(status, 200);
      }),
      runs(3000),
    );
  });

  it('arbitrary bytes get a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/validate', '/mutate'), fc.string({ maxLength: 200 }), async (path, payload) => {
        await send(path, payload);
      }),
      runs(1000),
    );
  });

  it('arbitrary AdmissionReviews get a well-formed AdmissionReview', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/validate', '/mutate'), fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'), request, async (path, apiVersion, req) => {
        const { status, body } = await send(path, JSON.stringify({ apiVersion, kind: 'AdmissionReview', request: asJSON(req) }));
        assert.equal(status, 200);
        assert.equal(body.apiVersion, apiVersion);
        assert.equal(body.kind, 'AdmissionReview');
        assertWellFormedResponse(body.response, req.uid);
      }),
      runs(3000),
    );
  });

  it('hostile values anywhere in a review (deep, huge, long, of the wrong type): never a 5xx, always under 64 KiB', async () => {
    const paths = [
      [], ['apiVersion'], ['kind'], ['request'], ['request', 'uid'], ['request', 'kind'], ['request', 'kind', 'kind'], ['request', 'kind', 'group'],
      ['request', 'operation'], ['request', 'name'], ['request', 'subResource'], ['request', 'dryRun'], ['request', 'object'],
      ['request', 'object', 'metadata'], ['request', 'object', 'metadata', 'name'], ['request', 'object', 'spec'],
      ['request', 'object', 'spec', 'destinationCIDRs'], ['request', 'object', 'spec', 'selectors'], ['request', 'object', 'spec', 'nodeSelector'],
      ['request', 'object', 'spec', 'egressGateways'], ['request', 'oldObject'],
    ];
    // Raw JSON text, so that nesting and numbers go beyond what a JS value can say.
    const hostile = fc.oneof(
      fc.integer({ min: 1, max: 20_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
      fc.integer({ min: 1, max: 70 }).map((d) => `${'{"a":'.repeat(d)}null${'}'.repeat(d)}`),
      fc.integer({ min: 1, max: 50_000 }).map((n) => `${'9'.repeat(n)}e${n}`),
      fc.constantFrom('-0', '1e-400', '1.7976931348623157e309', '""', '"\\u0000"', '"\\ud800"', 'true', '{}', '[]', '{"__proto__":{"x":1}}'),
      fc.tuple(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom('a', '\\u0001', '/', '.', '\\"')).map(([n, c]) => `"${c.repeat(n)}"`),
      fc.integer({ min: 1, max: 20_000 }).map((n) => JSON.stringify(Array.from({ length: n }, (_, i) => (i % 3 ? `10.${i & 255}.0.1/8` : `-k${i}`)))),
      fc.integer({ min: 1, max: 5_000 }).map((n) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`-${i}${'x'.repeat(i % 70)}`, 'v-'])))),
      fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
    );
    const base = (kind: string) => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u',
        kind: { group: kind === 'CiliumEgressGatewayPolicy' ? 'cilium.io' : 'network.deckhouse.io', version: kind === 'CiliumEgressGatewayPolicy' ? 'v2' : 'v1alpha1', kind },
        operation: 'CREATE',
        object: { apiVersion: 'x/v1', kind, metadata: { name: 'n' }, spec: { destinationCIDRs: ['10.0.0.0/8'], selectors: [{ podSelector: {} }], egressGatewayName: 'egress-gw' } },
      },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/validate', '/mutate'),
        fc.constantFrom('EgressGateway', 'EgressGatewayPolicy', 'CiliumEgressGatewayPolicy'),
        fc.constantFrom(...paths),
        hostile,
        async (path, kind, at, raw) => {
          const review: any = base(kind);
          let text: string;
          if (at.length === 0) {
            text = raw;
          } else {
            let parent = review;
            for (const k of at.slice(0, -1)) parent = parent[k] ??= {};
            parent[at.at(-1)!] = '@HOSTILE@';
            text = JSON.stringify(review).replace('"@HOSTILE@"', raw);
          }
          fc.pre(text.length <= 3 * 1024 * 1024);
          const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: text });
          assert.ok(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500), `HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`);
          assert.ok(res.body.length < 64 * 1024, `answer of ${res.body.length} bytes`);
          const body = res.json();
          if (res.statusCode !== 200) return assert.ok(typeof body.error === 'string' && typeof body.message === 'string' && body.message.length < 1024);
          assert.notEqual(body.response.status?.code, 500, body.response.status?.message);
          // The uid itself may be the hostile value.
          assertWellFormedResponse(body.response, at.join('.') === 'request.uid' ? JSON.parse(raw) : 'u');
        },
      ),
      runs(400),
    );
  });

  it('arbitrary resources: validation never throws; defaults apply cleanly and are idempotent', async () => {
    const state = await exampleState();
    const deps = { state, config: defaultRulesConfig };
    await fc.assert(
      fc.asyncProperty(resource, operation, async (raw, op) => {
        const object = asJSON(raw) as any;
        const req: AdmissionRequest = {
          uid: 'u',
          kind: { ...groupVersion(object), kind: object.kind },
          operation: op === 'DELETE' ? 'UPDATE' : op,
          object,
          oldObject: object,
        };
        const decision = await validateRequest(req, deps);
        assertWellFormedResponse(decision.response, 'u');
        const mutated = await mutateRequest(req, deps);
        assertWellFormedResponse(mutated.response, 'u');
        if (mutated.patch?.length) {
          const patched = jsonpatch.applyPatch(structuredClone(object), mutated.patch as any, true, false).newDocument;
          const again = await mutateRequest({ ...req, object: patched }, deps);
          assert.equal(again.response.patch, undefined, 'defaulting twice adds nothing');
        }
      }),
      runs(3500),
    );
  });

  it('arbitrary resources: mutate denies exactly as defined by the whole validation (platformSchema rules)', async () => {
    const state = await exampleState();
    const outcomes = { denied: 0, patched: 0, skipped: 0 };
    await fc.assert(
      fc.asyncProperty(resource, fc.constantFrom('CREATE', 'UPDATE'), fc.constantFrom('deny', 'warn'), fc.constantFrom('deny', 'warn'), async (raw, op, enforcement, unknownFields) => {
        const object = asJSON(raw) as any;
        const req: AdmissionRequest = { uid: 'u', kind: { ...groupVersion(object), kind: object.kind }, operation: op as 'CREATE' | 'UPDATE', object, oldObject: op === 'UPDATE' ? object : undefined };
        outcomes[await assertMutateAsDefined(req, { state, config: { ...defaultRulesConfig, unknownFields }, enforcement })]++;
      }),
      runs(3000),
    );
    // Both ways are exercised, or the comparison proves nothing.
    assert.ok(outcomes.denied > 100 && outcomes.patched > 100, JSON.stringify(outcomes));
  });
});

describe('IP and CIDR rules against node:net', () => {
  it('an address parses exactly when node:net says it is one (zones aside, which are refused)', () => {
    const candidate = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 45 }), fc.stringMatching(/^[0-9a-fA-F:.]{1,45}$/));
    fc.assert(
      fc.property(candidate, (s) => {
        fc.pre(!s.includes('%'));
        assert.equal(parseIP(s) !== undefined, isIP(s) !== 0, s);
        const ip = parseIP(s);
        if (ip) assert.equal(isIP(ip.canonical), ip.family, `canonical ${ip.canonical}`);
      }),
      runs(3000),
    );
  });

  it('the nesting check of a body agrees with the depth of the parsed value (brackets in strings included)', () => {
    const depthOf = (v: unknown): number =>
      typeof v !== 'object' || v === null ? 0 : 1 + Math.max(0, ...(Array.isArray(v) ? v : Object.values(v)).map(depthOf));
    const text = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('{', '[', '"{[', '\\"[', '}]'));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(text, tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (v, max) => {
        assert.equal(jsonNestingExceeds(JSON.stringify(v), max), depthOf(v) > max);
      }),
      runs(3000),
    );
  });

  it('CIDR lists: a short list scanned answers as the index built for long ones', () => {
    const entry = fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
      // Few distinct networks, so that entries nest and repeat.
      fc.constantFrom('10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '0.0.0.0/0', '::/0', '2001:db8::/32', '2001:db8:1::/48'),
    );
    const cidrsOf = (texts: string[]) =>
      texts.flatMap((text) => {
        const p = parseCIDR(text);
        return p.kind === 'cidr' ? [p.cidr.hostBits ? (parseCIDR(cidrText(p.cidr)) as { kind: 'cidr'; cidr: CIDR }).cidr : p.cidr] : [];
      });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 10 }), fc.array(entry, { minLength: 1, maxLength: 6 }), (list, probes) => {
        const listed: ListedCIDR[] = cidrsOf(list).map((cidr, index) => ({ index, text: cidrText(cidr), cidr }));
        const scanned = new CIDRIndex(listed, Number.POSITIVE_INFINITY);
        const indexed = new CIDRIndex(listed, -1);
        for (const probe of cidrsOf(probes)) {
          assert.equal(scanned.firstInside(probe), indexed.firstInside(probe), `first inside ${cidrText(probe)}`);
          assert.equal(scanned.someContains(probe), indexed.someContains(probe), `some contains ${cidrText(probe)}`);
        }
        assert.deepEqual(redundantEntries(listed, Number.POSITIVE_INFINITY), redundantEntries(listed, -1), 'duplicates and nested entries');
      }),
      runs(2000),
    );
  });

  it('CIDR containment agrees with net.BlockList', () => {
    const v4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4()).map(([a, p, probe]) => ({ a, p, probe, type: 'ipv4' as const }));
    const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6()).map(([a, p, probe]) => ({ a, p, probe, type: 'ipv6' as const }));
    fc.assert(
      fc.property(fc.oneof(v4, v6), ({ a, p, probe, type }) => {
        const parsed = parseCIDR(`${a}/${p}`);
        fc.pre(parsed.kind === 'cidr');
        const cidr = (parsed as { kind: 'cidr'; cidr: any }).cidr;
        const list = new BlockList();
        const network = formatIP(cidr.family, cidr.network);
        list.addSubnet(network, p, type);
        // Probe both a random address and the network's own first address.
        for (const addr of [probe, network]) {
          const ip = parseIP(addr);
          if (!ip) continue;
          assert.equal(cidrContainsIP(cidr, ip), list.check(addr, type), `${cidrText(cidr)} ∋ ${addr}`);
        }
      }),
      runs(2000),
    );
  });
});
