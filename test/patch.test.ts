import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { applyAdds, escapeSegment, patchFor, pointer } from '../src/admission/patch.js';

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
    const ops = patchFor(doc, [{ path: ['spec', 'nodeSelector', 'dedicated/egress~x'], value: '' }]);
    assert.deepEqual(ops, [{ op: 'add', path: '/spec/nodeSelector/dedicated~1egress~0x', value: '' }]);
    const patched = jsonpatch.applyPatch(structuredClone(doc), ops as Operation[], true, false).newDocument;
    assert.deepEqual(patched, { spec: { nodeSelector: { 'a~b': '1', 'dedicated/egress~x': '' } } });
    assert.deepEqual(applyAdds(doc, ops), patched, 'applyAdds agrees with the independent implementation');
    assert.deepEqual(doc, { spec: { nodeSelector: { 'a~b': '1' } } }, 'the input is not changed');
  });

  it('leaves present values alone and never writes below a non-object', () => {
    assert.deepEqual(patchFor({ spec: { a: 0 } }, [{ path: ['spec', 'a'], value: 1 }]), []);
    assert.deepEqual(patchFor({ spec: 'x' }, [{ path: ['spec', 'a'], value: 1 }]), []);
    assert.deepEqual(patchFor({ spec: [] }, [{ path: ['spec', 'a'], value: 1 }]), []);
  });

  it('creates missing parents in one operation, with a copy of the value', () => {
    const value = { k: 'v' };
    const ops = patchFor({}, [{ path: ['spec', 'sourceIP', 'x'], value }]);
    assert.deepEqual(ops, [{ op: 'add', path: '/spec', value: { sourceIP: { x: { k: 'v' } } } }]);
    value.k = 'changed';
    assert.deepEqual(ops[0]!.value, { sourceIP: { x: { k: 'v' } } });
  });

  it('joins a default under a parent that an earlier default creates into that operation', () => {
    const ops = patchFor({ metadata: {} }, [
      { path: ['spec', 'a'], value: 1 },
      { path: ['spec', 'b', 'c'], value: 2 },
      { path: ['spec', 'a'], value: 3 },
    ]);
    assert.deepEqual(ops, [{ op: 'add', path: '/spec', value: { a: 1, b: { c: 2 } } }]);
  });
});
