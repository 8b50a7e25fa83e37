import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorBudgetBytes, invalidStatus } from '../src/admission/status.js';
import { FieldPath, invalid } from '../src/rules/field.js';

// Which errors a denial shows within its byte budget: each shown error costs the UTF-8 bytes of its JSON-escaped
// text twice (message and cause) plus 64, and the first error that does not fit ends the list. The expected
// counts below come from that exact cost, so a cut made from a cruder estimate of it fails them.

const textOf = (i: number, detail: string) => `spec.x[${i}]: Invalid value: "v": ${detail}`;
const costOf = (i: number, detail: string) => Buffer.byteLength(JSON.stringify(textOf(i, detail))) * 2 + 64;
const errorOf = (i: number, detail: string) => invalid(FieldPath.root('spec').child('x').index(i), 'v', detail);
const errorsOf = (n: number, detail: string) => Array.from({ length: n }, (_, i) => errorOf(i, detail));
const fitting = (n: number, detail: string) => {
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    bytes += costOf(i, detail);
    if (bytes > errorBudgetBytes) return i;
  }
  return n;
};
const causesOf = (errors: ReturnType<typeof errorOf>[]) => invalidStatus('network.deckhouse.io', 'EgressGatewayPolicy', 'p', errors).details!.causes;

describe('the errors a denial shows within its byte budget', () => {
  // 50 errors of one detail: how many fit, and the answer stays within the budget whatever the characters cost.
  const cases = [
    { what: 'plain texts', detail: 'd'.repeat(300), shown: 33 },
    { what: 'texts whose every character is escaped (six bytes each)', detail: '\u0001'.repeat(300), shown: 6 },
    { what: 'texts of characters three bytes long in UTF-8', detail: '€'.repeat(500), shown: 7 },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.shown} of 50 fit at their exact size, then one line counts the rest`, () => {
      assert.equal(fitting(50, c.detail), c.shown);
      const status = invalidStatus('network.deckhouse.io', 'EgressGatewayPolicy', 'p', errorsOf(50, c.detail));
      const causes = status.details!.causes;
      assert.equal(causes.length, c.shown + 1);
      assert.equal(causes[c.shown - 1]!.field, `spec.x[${c.shown - 1}]`);
      assert.deepEqual(causes[c.shown], { reason: 'FieldValueInvalid', message: `and ${50 - c.shown} more errors not shown`, field: '...' });
      const bytes = Buffer.byteLength(JSON.stringify(status));
      assert.ok(bytes <= errorBudgetBytes + 1024, `status of ${bytes} bytes`);
    });
  }

  it('errors filling the budget to the byte are all shown; one byte more and the last one is not', () => {
    // 21 errors of a 500-character detail, and a last one whose detail makes the sum exactly the budget.
    const head = errorsOf(21, 'd'.repeat(500));
    const used = head.reduce((n, _, i) => n + costOf(i, 'd'.repeat(500)), 0);
    const lastBase = costOf(21, '');
    assert.equal((errorBudgetBytes - used - lastBase) % 2, 0, 'the last detail fills the rest exactly');
    const filling = 'd'.repeat((errorBudgetBytes - used - lastBase) / 2);
    assert.ok(filling.length < 500, 'a detail short enough to be kept whole');
    assert.equal(used + costOf(21, filling), errorBudgetBytes);
    const exact = causesOf([...head, errorOf(21, filling)]);
    assert.equal(exact.length, 22);
    assert.equal(exact[21]!.field, 'spec.x[21]');
    const over = causesOf([...head, errorOf(21, `${filling}d`)]);
    assert.equal(over.length, 22);
    assert.deepEqual(over[21], { reason: 'FieldValueInvalid', message: 'and 1 more error not shown', field: '...' });
  });

  it('errors that all fit are all shown, with no counting line', () => {
    assert.deepEqual(causesOf(errorsOf(3, 'd'.repeat(300))).map((c) => c.field), ['spec.x[0]', 'spec.x[1]', 'spec.x[2]']);
  });
});
