import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { addIfAbsent, escapeSegment, pointer } from '../src/admission/patch.js';

describe('JSON Pointer and add-if-absent patches', () => {
  it('escapes ~ before / (RFC 6901)', () => {
    assert.equal(escapeSegment('dedicated/egress'), 'dedicated~1egress');
    assert.equal(escapeSegment('a~b'), 'a~0b');
    assert.equal(escapeSegment('~/'), '~0~1');
    assert.equal(escapeSegment('~1'), '~01');
    assert.equal(pointer(['spec', 'nodeSelector', 'node-role.deckhouse.io/egress']), '/spec/nodeSelector/node-role.deckhouse.io~1egress');
  });

  it('adds a map key containing / and ~ where an independent RFC 6902 implementation finds it', () => {
    const doc = { spec: { nodeSelector: { 'a~b': '1' } } };
    const work = structuredClone(doc);
    const op = addIfAbsent(work, ['spec', 'nodeSelector', 'dedicated/egress~x'], '');
    assert.deepEqual(op, { op: 'add', path: '/spec/nodeSelector/dedicated~1egress~0x', value: '' });
    const patched = jsonpatch.applyPatch(structuredClone(doc), [op!], true, false).newDocument;
    assert.deepEqual(patched, { spec: { nodeSelector: { 'a~b': '1', 'dedicated/egress~x': '' } } });
    assert.deepEqual(work, patched, 'the working copy sees the change too');
  });

  it('leaves present values alone and never writes below a non-object', () => {
    assert.equal(addIfAbsent({ spec: { a: 0 } }, ['spec', 'a'], 1), undefined);
    assert.equal(addIfAbsent({ spec: 'x' }, ['spec', 'a'], 1), undefined);
    assert.equal(addIfAbsent({ spec: [] }, ['spec', 'a'], 1), undefined);
  });

  it('creates missing parents in one operation, with a copy of the value', () => {
    const value = { k: 'v' };
    const op = addIfAbsent({}, ['spec', 'sourceIP', 'x'], value);
    assert.deepEqual(op, { op: 'add', path: '/spec', value: { sourceIP: { x: { k: 'v' } } } });
    value.k = 'changed';
    assert.deepEqual(op!.value, { sourceIP: { x: { k: 'v' } } });
  });
});
