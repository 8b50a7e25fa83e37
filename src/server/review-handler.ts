import type { Logger } from 'pino';
import type { Decision } from '../admission/admit.js';
import { type AdmissionRequest, parseReview } from '../admission/envelope.js';
import { internalErrorStatus } from '../admission/status.js';
import type { Eventually } from '../rules/stages.js';
import { logAdmission, logged } from './admission-log.js';
import type { WebhookMetrics } from './metrics.js';

// One AdmissionReview, from the parsed body to the answer: envelope, decision, metrics, log line. The HTTP route
// around it only sends the answer; `npm run bench` times this part alone, in process.

export type Decide = (request: AdmissionRequest) => Eventually<Decision>;

export interface ReviewAnswer {
  code: 200 | 400;
  body: unknown;
}

/**
 * The answer itself when the decision comes at once (a review that needed no lookup and no pause), so such a
 * review costs no promise; a promise of it when the decision had to wait.
 */
export function reviewHandler(decide: Decide, endpoint: 'validate' | 'mutate' | 'warn-node', log: Logger, metrics?: WebhookMetrics): (body: unknown, arrived?: number) => Eventually<ReviewAnswer> {
  // `arrived`: when the route got the review, so its duration counts the wait for the end of its turn.
  return (body, started = performance.now()) => {
    const parsed = parseReview(body);
    if (!parsed.ok) {
      log.info({ endpoint, reason: parsed.message }, 'bad admission review');
      metrics?.badRequest(`/${endpoint}`, 400);
      return { code: 400, body: { error: 'Bad Request', message: parsed.message } };
    }
    const { apiVersion, request: req } = parsed;
    const seconds = () => (performance.now() - started) / 1000;
    const failed = (err: unknown): ReviewAnswer => {
      // The stack only at debug: at error level one line says what failed.
      log.error({ uid: logged(req.uid), endpoint, kind: logged(req.kind.kind), error: logged(String((err as Error)?.message)) }, 'rule evaluation failed');
      log.debug({ err, uid: logged(req.uid) }, 'rule evaluation failed (stack)');
      metrics?.admission(endpoint, req.operation, undefined, req.kind.kind, seconds());
      return { code: 200, body: { apiVersion, kind: 'AdmissionReview', response: { uid: req.uid, allowed: false, status: internalErrorStatus() } } };
    };
    const answer = (decision: Decision): ReviewAnswer => {
      const elapsed = seconds();
      metrics?.admission(endpoint, req.operation, decision, decision.kind, elapsed);
      logAdmission(log, endpoint, req, decision, elapsed * 1000);
      return { code: 200, body: { apiVersion, kind: 'AdmissionReview', response: decision.response } };
    };
    let decision: Eventually<Decision>;
    try {
      decision = decide(req);
    } catch (err) {
      return failed(err);
    }
    return decision instanceof Promise ? decision.then(answer, failed) : answer(decision);
  };
}
