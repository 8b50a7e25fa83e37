import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifests } from '../src/cluster/manifests.js';

// Reading manifests as kubectl does (YAML 1.1 scalars), with the line of every object and field.

describe('manifests', () => {
  it('reads YAML 1.1 scalars as kubectl (go-yaml v2) does', () => {
    const [m] = parseManifests(
      'kind: X\nyes_: yes\non_: on\noff_: Off\ny_: y\nn_: N\nquoted: "yes"\noctal: 0777\nunderscored: 1_000\nhex: 0x1F\nsexagesimal: 1:20\ndate: 2001-01-01\nnull_: ~\n',
    );
    assert.deepEqual(m!.object, {
      kind: 'X',
      yes_: true,
      on_: true,
      off_: false,
      y_: true,
      n_: false,
      quoted: 'yes',
      octal: 511,
      underscored: 1000,
      hex: 31,
      sexagesimal: '1:20',
      date: '2001-01-01',
      null_: null,
    });
  });

  it('gives each field its own line, by Kubernetes field path', () => {
    const text = [
      'apiVersion: network.deckhouse.io/v1alpha1', // 1
      'kind: EgressGatewayPolicy',
      'metadata:',
      '  name: p',
      'spec:', // 5
      '  destinationCIDRs:',
      '  - 10.0.0.0/8',
      '  - 10.0.0.1/8',
      '  nodeSelector:',
      '    dedicated/egress: ""', // 10
      '  selectors: [{podSelector: {matchLabels: {app: x}}},',
      '    {podSelector: {}}]',
      '',
    ].join('\n');
    const [m] = parseManifests(text);
    const at = (p: string) => m!.fieldLine(p);
    assert.deepEqual(
      ['metadata.name', 'spec.destinationCIDRs', 'spec.destinationCIDRs[1]', 'spec.nodeSelector[dedicated/egress]', 'spec.selectors[1].podSelector', 'spec.missing', 'spec.destinationCIDRs[7]', ''].map(at),
      [4, 6, 8, 10, 12, 5, 6, 1],
    );
  });

  it('JSON List items: their own lines and field lines when positions are asked for', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ kind: 'A', spec: { x: [1, 2] } }, { kind: 'B' }] }, null, 2);
    const fast = parseManifests(text);
    assert.deepEqual(fast.map((m) => m.line), [1, 1], 'without positions: the document line');
    const exact = parseManifests(text, { positions: true });
    const lines = text.split('\n');
    assert.deepEqual(exact.map((m) => m.object['kind']), ['A', 'B']);
    assert.equal(lines[exact[0]!.fieldLine('spec.x[1]') - 1]!.trim(), '2');
    assert.equal(lines[exact[1]!.line - 1]!.trim(), '{');
    assert.equal(lines[exact[1]!.line]!.trim(), '"kind": "B"');
  });

  it('a large List dump (20,000 objects) gets correct lines for every item and field', () => {
    const n = 20_000;
    const parts = ['apiVersion: v1\nkind: List\nitems:\n'];
    for (let i = 0; i < n; i++) parts.push(`- apiVersion: v1\n  kind: Node\n  metadata:\n    name: node-${i}\n    labels:\n      dedicated/egress: ""\n`);
    const manifests = parseManifests(parts.join(''));
    assert.equal(manifests.length, n);
    manifests.forEach((m, i) => {
      assert.equal(m.line, 4 + 6 * i);
      assert.equal((m.object['metadata'] as { name: string }).name, `node-${i}`);
    });
    assert.equal(manifests[n - 1]!.fieldLine('metadata.labels[dedicated/egress]'), 4 + 6 * (n - 1) + 5);
  });
});
