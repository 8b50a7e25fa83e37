import type { Logger } from 'pino';
import type { Decision } from '../admission/admit.js';
import type { AdmissionRequest } from '../admission/envelope.js';
import { ellipsis } from '../rules/field.js';

// The log line of one admission. A denial (or, in warn mode, a review that would have been denied) is what an
// operator looks for, so it is logged at info; allowed and skipped reviews, the bulk of them, at debug. The line
// is built only when its level is on: with the level off, a review costs one level check.

/** Strings a request chose, as they go into a log line: long enough to recognise, never the whole body. */
export const logged = (s: string) => ellipsis(s, 128);

/** The level of a decision's line: info for a denial or a would-be denial, debug for the rest. */
export function admissionLevel(decision: Decision): 'info' | 'debug' {
  return decision.verdict === 'denied' || decision.wouldDenyBy !== undefined ? 'info' : 'debug';
}

export function logAdmission(log: Logger, endpoint: string, req: AdmissionRequest, decision: Decision, durationMs: number): void {
  const level = admissionLevel(decision);
  if (!log.isLevelEnabled(level)) return;
  const line: Record<string, unknown> = {
    endpoint,
    uid: logged(req.uid),
    kind: logged(decision.kind),
    name: logged(decision.name),
    operation: req.operation,
    verdict: decision.verdict,
  };
  if (decision.skipped) line['skipped'] = logged(decision.skipped);
  if (decision.rules.length) line['rules'] = decision.rules;
  if (decision.wouldDenyBy) line['wouldDeny'] = true;
  if (decision.patch?.length) line['patched'] = decision.patch.map((p) => p.path);
  line['dryRun'] = req.dryRun ?? false;
  // To the microsecond: the digits beyond are the clock's noise, and make the line harder to read.
  line['durationMs'] = Math.round(durationMs * 1000) / 1000;
  log[level](line, 'admission');
}
