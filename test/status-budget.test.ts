import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorBudgetBytes, invalidStatus } from '../src/admission/status.js';
import { FieldPath, invalid } from '../src/rules/field.js';

// Which errors a denial shows within its byte budget: each shown error costs its JSON-escaped text twice (message
// and cause) plus 64 bytes, and the first error that does not fit ends the list. The expected counts below come
// from that exact cost, so a cut made from a cruder estimate of it fails them.

const errorsOf = (n: number, detail: string) => Array.from({ length: n }, (_, i) => invalid(FieldPath.root('spec').child('x').index(i), 'v', detail));
const costOf = (i: number, detail: string) => JSON.stringify(`spec.x[${i}]: Invalid value: "v": ${detail}`).length * 2 + 64;
const fitting = (n: number, detail: string) => {
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    bytes += costOf(i, detail);
    if (bytes > errorBudgetBytes) return i;
  }
  return n;
};

describe('the errors a denial shows within its byte budget', () => {
  it('plain texts: as many as fit at their exact size (33 of 50 here), then one line counting the rest', () => {
    const detail = 'd'.repeat(300);
    const shown = fitting(50, detail);
    assert.equal(shown, 33);
    const causes = invalidStatus('network.deckhouse.io', 'EgressGatewayPolicy', 'p', errorsOf(50, detail)).details!.causes;
    assert.equal(causes.length, shown + 1);
    assert.equal(causes[shown - 1]!.field, `spec.x[${shown - 1}]`);
    assert.deepEqual(causes[shown], { reason: 'FieldValueInvalid', message: `and ${50 - shown} more errors not shown`, field: '...' });
  });

  it('texts whose every character is escaped count six bytes a character', () => {
    const detail = '\u0001'.repeat(300);
    const shown = fitting(50, detail);
    assert.equal(shown, 6);
    const causes = invalidStatus('network.deckhouse.io', 'EgressGatewayPolicy', 'p', errorsOf(50, detail)).details!.causes;
    assert.equal(causes.length, shown + 1);
    assert.equal(causes[shown]!.message, `and ${50 - shown} more errors not shown`);
  });

  it('errors that all fit are all shown, with no counting line', () => {
    const causes = invalidStatus('network.deckhouse.io', 'EgressGatewayPolicy', 'p', errorsOf(3, 'd'.repeat(300))).details!.causes;
    assert.deepEqual(causes.map((c) => c.field), ['spec.x[0]', 'spec.x[1]', 'spec.x[2]']);
  });
});
