import assert from 'node:assert/strict';
import { it } from 'node:test';
import { groupVersionOf, reviewOf, type TestWebhook } from './webhook.js';

/** One validation case: the object, and exactly what kubectl would print (denial message and warnings). */
export interface RuleCase {
  name: string;
  object: any;
  /** The denial's status.message; absent when the object must be allowed. */
  message?: string;
  warnings?: string[];
  operation?: 'CREATE' | 'UPDATE';
  oldObject?: any;
}

/** Registers one test per case, each sending an AdmissionReview to /validate of the running webhook. */
export function itValidates(webhook: () => TestWebhook, cases: readonly RuleCase[]): void {
  for (const c of cases) {
    it(c.name, async () => {
      const res = await webhook().review('/validate', reviewOf(c.object, { operation: c.operation ?? 'CREATE', oldObject: c.oldObject }));
      if (c.message === undefined) {
        assert.equal(res.allowed, true, res.status?.message);
        assert.equal(res.status, undefined);
      } else {
        assert.equal(res.allowed, false);
        assert.deepEqual([res.status.code, res.status.reason, res.status.message], [422, 'Invalid', c.message]);
        assert.deepEqual([res.status.details.group, res.status.details.kind], [groupVersionOf(c.object).group, c.object.kind]);
      }
      assert.deepEqual(res.warnings, c.warnings);
    });
  }
}
