import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Decision } from '../src/admission/admit.js';
import type { WebhookMetrics } from '../src/server/metrics.js';
import { type Decide, reviewHandler } from '../src/server/review-handler.js';
import { reviewOf } from './helpers/webhook.js';

// The handler answers at once when the decision comes at once, and waits for it otherwise; a decision that fails
// either way is the same internal-error answer.

const review = reviewOf({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name: 'gw' }, spec: {} });
const uid = review.request.uid;
const allowed: Decision = { response: { uid, allowed: true }, verdict: 'allowed', kind: 'EgressGateway', name: 'gw', rules: [] };
const answerOf = (response: unknown) => ({ code: 200, body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response } });
const internalError = answerOf({
  uid,
  allowed: false,
  status: {
    status: 'Failure',
    message: 'internal error in the egress-gateway webhook; the object was not checked. See the webhook logs and retry',
    reason: 'InternalError',
    code: 500,
  },
});
const handle = (decide: Decide) => reviewHandler(decide, 'validate', pino({ level: 'silent' }))(review);

describe('review handler', () => {
  it('a decision at once: the answer itself, not a promise', () => {
    assert.deepEqual(handle(() => allowed), answerOf({ uid, allowed: true }));
  });

  it('a decision that waits: a promise of the same answer', async () => {
    const answer = handle(() => Promise.resolve(allowed));
    assert.ok(answer instanceof Promise);
    assert.deepEqual(await answer, answerOf({ uid, allowed: true }));
  });

  it('the duration counts from when the route got the review, its wait for the end of the turn included', () => {
    const seconds: number[] = [];
    const metrics = { admission: (...args: unknown[]) => void seconds.push(args[4] as number) } as unknown as WebhookMetrics;
    reviewHandler(() => allowed, 'validate', pino({ level: 'silent' }), metrics)(review, performance.now() - 50);
    assert.equal(seconds.length, 1);
    assert.ok(seconds[0]! >= 0.05 && seconds[0]! < 5, `${seconds[0]}`);
  });

  it('a decision that throws at once or fails later: the internal-error answer', async () => {
    const fault = new Error('cache corrupted');
    assert.deepEqual(handle(() => { throw fault; }), internalError);
    assert.deepEqual(await handle(() => Promise.reject(fault)), internalError);
  });
});
