import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ciliumEgressGatewayPolicySchema } from '../src/resources/ciliumegressgatewaypolicy/schema.js';
import { egressGatewaySchema } from '../src/resources/egressgateway/schema.js';
import { egressGatewayPolicySchema } from '../src/resources/egressgatewaypolicy/schema.js';
import { type SchemaNode, structuralChecker } from '../src/resources/schema.js';
import { Findings } from '../src/rules/findings.js';
import { ajvStructuralChecker } from './helpers/ajv-structure.js';

// The structural check is one walk over the object; it must say what the JSON Schema validator it replaced said
// (ajv with all errors): the same errors and warnings in the same order, the same counts past the caps, for
// objects that follow each kind's schema in some places and break it in others.

const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const oddKeys = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a/b', 'a~b', '', 'spec', 'matchLabels', 'key');
const wrong: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 4 }), fc.constant([]), fc.constant({}), fc.array(fc.integer(), { maxLength: 3 }));

/** Values shaped by the schema node, each part right or wrong at random. */
function valueOf(node: SchemaNode, depth: number): fc.Arbitrary<unknown> {
  const right = rightValueOf(node, depth);
  return depth > 5 ? right : fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

function rightValueOf(node: SchemaNode, depth: number): fc.Arbitrary<unknown> {
  switch (node.type) {
    case 'string':
      return fc.string({ maxLength: 6 });
    case 'array':
      return node.items
        ? fc.oneof({ weight: 5, arbitrary: fc.array(valueOf(node.items, depth + 1), { maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(valueOf(node.items, depth + 1), { minLength: 40, maxLength: 120 }) })
        : fc.array(wrong, { maxLength: 3 });
    case 'object': {
      const props = node.properties ?? {};
      const known = fc.record(Object.fromEntries(Object.entries(props).map(([k, n]) => [k, valueOf(n, depth + 1)])), { requiredKeys: [] });
      const extraValue = node.additionalProperties && typeof node.additionalProperties === 'object' ? valueOf(node.additionalProperties, depth + 1) : wrong;
      const extra = fc.dictionary(fc.oneof(oddKeys, fc.string({ maxLength: 5 })), extraValue, { maxKeys: 4 });
      return fc.tuple(known, extra, fc.boolean()).map(([k, e, extraFirst]) => {
        // Both key orders: the unknown fields are reported in the object's order.
        const out: Record<string, unknown> = {};
        const parts = extraFirst ? [e, k] : [k, e];
        for (const part of parts) for (const [key, v] of Object.entries(part)) Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        return out;
      });
    }
    default:
      return wrong;
  }
}

const said = (f: Findings) => ({
  errors: f.errors.map((e) => ({ ...e })),
  warnings: f.warnings.map((w) => ({ ...w })),
  errorCounts: [...f.errorCounts],
  warningCounts: [...f.warningCounts],
});

describe('structural check against the JSON Schema validator it replaced', () => {
  for (const [kind, schema] of [
    ['EgressGateway', egressGatewaySchema],
    ['EgressGatewayPolicy', egressGatewayPolicySchema],
    ['CiliumEgressGatewayPolicy', ciliumEgressGatewayPolicySchema],
  ] as const) {
    const walk = structuralChecker(schema);
    const oracle = ajvStructuralChecker(schema);
    it(`${kind}: same findings, in the same order, with unknown fields denied and warned`, () => {
      fc.assert(
        fc.property(fc.oneof({ weight: 6, arbitrary: valueOf(schema, 0) }, { weight: 1, arbitrary: wrong }), fc.constantFrom('deny' as const, 'warn' as const), (object, unknown) => {
          const a = new Findings();
          const b = new Findings();
          walk.check(object, unknown, a);
          oracle.check(object, unknown, b);
          assert.deepEqual(said(a), said(b));
        }),
        { numRuns: 1500, seed },
      );
    });
    it(`${kind}: past the cap, unknown fields spread over objects are counted as the validator counted them`, () => {
      // 30 in the spec, then 40 in an object inside it: the room runs out within the second object.
      const extra = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));
      const inner = kind === 'EgressGateway' ? { sourceIP: { mode: 'VirtualIPAddress', ...extra('s', 40) } } : { selectors: [{ podSelector: { ...extra('s', 40) } }], egressGateway: { ...extra('g', 40) } };
      for (const unknown of ['deny', 'warn'] as const) {
        const object = { spec: { ...extra('x', 30), ...inner } };
        const a = new Findings();
        const b = new Findings();
        walk.check(object, unknown, a);
        oracle.check(object, unknown, b);
        assert.deepEqual(said(a), said(b));
        assert.ok(unknown === 'deny' ? a.errorCount >= 70 : a.warningCount >= 70, `${a.errorCount} errors, ${a.warningCount} warnings`);
      }
    });
  }
});
