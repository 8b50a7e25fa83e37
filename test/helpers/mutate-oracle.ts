import assert from 'node:assert/strict';
import { type AdmitDeps, computeDefaults, mutateRequest, validateRequest } from '../../src/admission/admit.js';
import type { AdmissionRequest } from '../../src/admission/envelope.js';
import { isRuleId, ruleEntry } from '../../src/rules/catalogue.js';

/**
 * What the mutating webhook must answer, by its definition: the whole validation of the defaulted object when
 * that validation denies with a rule flagged platformSchema, else the defaults as a patch. The webhook gets
 * there without running the whole validation each time; this runs it each time, to compare.
 * Returns which of the two it was.
 */
export async function assertMutateAsDefined(request: AdmissionRequest, deps: AdmitDeps): Promise<'denied' | 'patched' | 'skipped'> {
  const actual = await mutateRequest(request, deps);
  const defaults = computeDefaults(request, deps);
  if (defaults.skipped !== undefined) {
    assert.deepEqual([actual.verdict, actual.response], ['skipped', { uid: request.uid, allowed: true }]);
    return 'skipped';
  }
  const validated = await validateRequest({ ...request, object: defaults.object }, deps);
  const platformErrors = [...(validated.deniedBy?.keys() ?? [])].filter((id) => isRuleId(id) && ruleEntry(id).platformSchema);
  if (!validated.response.allowed && platformErrors.length > 0) {
    assert.deepEqual(actual, validated, `denied by ${platformErrors.join(', ')}: the validating webhook's whole answer`);
    return 'denied';
  }
  assert.equal(actual.verdict, 'allowed');
  assert.equal(actual.response.allowed, true);
  assert.equal(actual.response.status, undefined);
  assert.deepEqual(actual.patch, defaults.ops);
  return 'patched';
}
