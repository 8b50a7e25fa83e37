import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kinds } from '../src/resources/registry.js';
import type { SchemaNode } from '../src/resources/schema.js';
import { fromRoot } from './helpers/paths.js';

// One schema: the CRDs the chart ships and the structure the webhook checks must describe the same fields with
// the same types. What only the webhook adds (unknown fields refused, required fields) is not compared.

interface Shape {
  type?: string;
  properties?: Record<string, Shape>;
  items?: Shape;
  values?: Shape;
}

function shape(node: any): Shape {
  const out: Shape = {};
  if (node.type) out.type = node.type;
  if (node.properties) out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, shape(v)]));
  if (node.items) out.items = shape(node.items);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') out.values = shape(node.additionalProperties);
  return out;
}

const crdDir = fromRoot('charts/egress-gateway-webhook/files/crds');
const crds = readdirSync(crdDir).map((f) => parse(readFileSync(`${crdDir}/${f}`, 'utf8')));

describe('the chart CRDs and the webhook schema agree', () => {
  for (const kind of kinds.filter((k) => k.group === 'network.deckhouse.io')) {
    it(`${kind.kind}: the same spec fields and types`, () => {
      const crd = crds.find((c) => c.metadata.name === `${kind.plural}.${kind.group}`);
      assert.ok(crd, `the chart ships no CRD ${kind.plural}.${kind.group}`);
      const version = crd.spec.versions.find((v: any) => v.name === kind.version && v.served);
      assert.ok(version, `the CRD serves no ${kind.version}`);
      const ours = (kind.schema as SchemaNode).properties!['spec']!;
      assert.deepEqual(shape(ours), shape(version.schema.openAPIV3Schema.properties.spec));
    });
  }
});
