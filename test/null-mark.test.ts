import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type AdmitDeps, markNullFreeFromText, mutateRequest, validateRequest } from '../src/admission/admit.js';
import { parseReview } from '../src/admission/envelope.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { exampleState, reviewOf } from './helpers/webhook.js';

// The route marks a review's objects as free of nulls when the body's text shows they hold none, and the rules
// then skip the walk that drops nulls (the API server prunes them before admission). A wrong mark would let a
// null reach the rules: a `nodeSelector: null` would be checked as a bad value instead of counting as absent.
// So a review parsed with the mark must be decided exactly as the same review parsed without it.

// Nulls and the word are rare enough that many texts hold a single `null`: the case a count off by one gets wrong.
const maybeNull = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: arb, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 });
// Strings that put the word into the text without being a null value.
const label = fc.oneof({ arbitrary: fc.constantFrom('a', 'b'), weight: 8 }, { arbitrary: fc.constantFrom('null', 'nullable', 'x-null-y'), weight: 1 });

const gatewayObject = fc.record(
  {
    metadata: fc.record({ name: fc.constantFrom('gw', 'null-gw'), labels: maybeNull(fc.dictionary(label, maybeNull(label), { maxKeys: 2 })) }, { requiredKeys: ['name'] }),
    spec: maybeNull(
      fc.record(
        {
          nodeSelector: maybeNull(fc.dictionary(label, maybeNull(label), { maxKeys: 2 })),
          sourceIP: maybeNull(
            fc.record(
              {
                mode: maybeNull(fc.constantFrom('VirtualIPAddress', 'PrimaryIPFromEgressGatewayNodeInterface')),
                virtualIPAddress: maybeNull(fc.record({ ip: maybeNull(fc.constantFrom('198.51.100.7', 'null')), interfaces: maybeNull(fc.array(maybeNull(label), { maxLength: 2 })) }, { requiredKeys: [] })),
                primaryIPFromEgressGatewayNodeInterface: maybeNull(fc.record({ interfaceName: maybeNull(fc.constantFrom('eth1', 'null')) }, { requiredKeys: [] })),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ['metadata'] },
).map((o) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', ...o }));

const review = fc
  .record({
    object: gatewayObject,
    // On DELETE the object is null and the old one is checked; on UPDATE the old object is another one.
    oldObject: gatewayObject,
    operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE'),
    // Nulls the envelope itself may hold, outside the two objects.
    options: maybeNull(fc.record({ kind: fc.constant('CreateOptions') })),
    userExtra: maybeNull(fc.dictionary(label, maybeNull(fc.array(label, { maxLength: 1 })), { maxKeys: 1 })),
  })
  .map(({ object, oldObject, operation, options, userExtra }) => {
    const r = operation === 'CREATE' ? reviewOf(object) : reviewOf(operation === 'DELETE' ? null : object, { operation, oldObject });
    r.request['options'] = options;
    r.request['userInfo'] = { username: 'admin', extra: userExtra };
    return JSON.stringify(r);
  });

describe('objects marked free of nulls', () => {
  let deps: AdmitDeps;
  before(async () => {
    deps = { state: await exampleState(), config: defaultRulesConfig };
  });

  const request = (text: string, mark: boolean) => {
    const body = JSON.parse(text) as unknown;
    if (mark) markNullFreeFromText(text, body);
    const parsed = parseReview(body);
    assert.ok(parsed.ok);
    return parsed.request;
  };

  it('a review is decided the same with the mark as without it, on /validate and /mutate', async () => {
    await fc.assert(
      fc.asyncProperty(review, async (text) => {
        for (const decide of [validateRequest, mutateRequest]) {
          const marked = await decide(request(text, true), deps);
          const walked = await decide(request(text, false), deps);
          assert.deepEqual(marked.response, walked.response);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('an UPDATE whose one null is in the new object: the null counts as absent, not as the envelope\'s', async () => {
    const old = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'gw' }, spec: { nodeSelector: { a: 'b' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.7' } } } };
    const text = JSON.stringify(reviewOf({ ...old, spec: { ...old.spec, nodeSelector: null } }, { operation: 'UPDATE', oldObject: old }));
    assert.equal(text.split('null').length - 1, 1);
    const decision = await mutateRequest(request(text, true), deps);
    assert.equal(Buffer.from(decision.response.patch!, 'base64').toString(), '[{"op":"add","path":"/spec/nodeSelector","value":{"dedicated/egress":""}}]');
  });

  it('a caller\'s object is not marked, so a copy of it that gains a null is checked as what it is', async () => {
    const object = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'gw' }, spec: { nodeSelector: { a: 'b' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.7' } } } };
    // As the offline command and the auditor pass them: objects that were not parsed from the review's text.
    const fromCaller = (o: unknown) => {
      const parsed = parseReview(reviewOf(o));
      assert.ok(parsed.ok);
      return parsed.request;
    };
    for (const decide of [validateRequest, mutateRequest]) await decide(fromCaller(object), deps);
    assert.deepEqual(Object.getOwnPropertySymbols(object), []);
    const copy = { ...object, spec: { ...object.spec, nodeSelector: null } };
    const asCopy = await mutateRequest(fromCaller(copy), deps);
    const asText = await mutateRequest(request(JSON.stringify(reviewOf(copy)), true), deps);
    assert.deepEqual(asCopy.response, { ...asText.response, uid: asCopy.response.uid });
    assert.equal(asCopy.response.allowed, true);
  });

  it('a null inside the object, with the envelope\'s own null beside it, still counts as absent', async () => {
    const text = JSON.stringify(reviewOf({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'gw' }, spec: { nodeSelector: null, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '198.51.100.7' } } } }));
    assert.match(text, /"oldObject":null/);
    const decision = await mutateRequest(request(text, true), deps);
    assert.equal(decision.response.allowed, true);
    assert.equal(Buffer.from(decision.response.patch!, 'base64').toString(), '[{"op":"add","path":"/spec/nodeSelector","value":{"dedicated/egress":""}}]');
  });
});
