import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, didYouMean } from '../src/rules/suggest.js';

// "did you mean": the closest candidates by edit distance, ties by name, whatever order they come in.

describe('suggestions', () => {
  it('the three closest, nearest first and ties by name, from candidates in any order', () => {
    const names = ['gw-19', 'gw-9', 'gateway', 'gw-3', 'gw-10', 'gw-1', 'gw-0', 'other'];
    assert.deepEqual(closest('gw-l', names), ['gw-0', 'gw-1', 'gw-3']);
    assert.deepEqual(closest('gw-l', [...names].reverse()), ['gw-0', 'gw-1', 'gw-3']);
    assert.deepEqual(closest('gw-1x', ['gw-9', 'gw-1']), ['gw-1', 'gw-9']);
    assert.equal(didYouMean('gw-l', names), 'did you mean "gw-0" or "gw-1" or "gw-3"?');
  });

  it('only the first candidates considered, when told', () => {
    assert.deepEqual(closest('gw-l', ['gw-9', 'gw-3', 'gw-0'], 3, 2), ['gw-3', 'gw-9']);
    assert.equal(didYouMean('gw-l', ['gw-9', 'gw-3', 'gw-0'], 1), 'did you mean "gw-9"?');
  });

  it('no room asked for, nothing suggested', () => {
    assert.deepEqual(closest('gw-l', ['gw-1', 'gw-2'], 0), []);
  });

  it('a match ignoring case wins alone; nothing close, nothing said', () => {
    assert.deepEqual(closest('Gw-1', ['gw-0', 'gw-1']), ['gw-1']);
    assert.equal(didYouMean('payments', ['gw-0', 'gw-1']), '');
  });
});
