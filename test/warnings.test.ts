import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Findings } from '../src/rules/findings.js';
import { limitWarnings } from '../src/rules/warnings.js';

// The warnings an answer shows: the catalogue's priority first (high, then the rest, then low), in the order found
// within a priority, each once, at most 10 with a last line counting the rest.

describe('warnings shown in an answer', () => {
  it('high priority first, then normal, then low, each in the order found; a repeated text once', () => {
    const f = new Findings();
    f.warn('cidr-nested', 'low 1');
    f.warn('pod-selector-empty', 'normal 1');
    f.warn('excluded-covers-destination', 'high 1');
    f.warn('cidr-duplicate', 'low 2');
    f.warn('pod-selector-empty', 'normal 2');
    f.warn('gateway-single-node', 'high 2');
    f.warn('pod-selector-empty', 'normal 1');
    assert.deepEqual(limitWarnings(f), ['high 1', 'high 2', 'normal 1', 'normal 2', 'low 1', 'low 2']);
  });

  it('over ten: the nine most important and a line counting the others (repeats not counted)', () => {
    const f = new Findings();
    for (let i = 0; i < 8; i++) f.warn('cidr-nested', `low ${i}`);
    for (let i = 0; i < 4; i++) f.warn('excluded-covers-destination', `high ${i}`);
    f.warn('excluded-covers-destination', 'high 0');
    assert.deepEqual(limitWarnings(f), ['high 0', 'high 1', 'high 2', 'high 3', 'low 0', 'low 1', 'low 2', 'low 3', 'low 4', '3 more warnings not shown']);
  });

  it('a warning over 120 characters is cut at a character, never inside a surrogate pair', () => {
    const f = new Findings();
    // The emoji's two UTF-16 units straddle the cut at 117.
    f.warn('pod-selector-empty', `${'a'.repeat(116)}\u{1F600}${'b'.repeat(10)}`);
    assert.deepEqual(limitWarnings(f), [`${'a'.repeat(116)}...`]);
  });

  it('none found, none shown', () => {
    assert.deepEqual(limitWarnings(new Findings()), []);
  });
});
