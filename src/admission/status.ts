import { causeTypes, ellipsis, errorBody, type FieldError, withField } from '../rules/field.js';
import { maxFieldErrors } from '../rules/findings.js';

// metav1.Status of a denial, shaped like the API server's own NewInvalid / NewForbidden errors,
// so kubectl prints it the way operators are used to reading it.

export interface Status {
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: {
    name: string;
    group: string;
    kind: string;
    causes: { reason: string; message: string; field: string }[];
  };
}

/**
 * Bytes (of JSON) the shown errors may take, counted once for the message and once for the causes: with the
 * uid, the warnings and the envelope the whole answer stays well under 64 KiB, whatever the errors echo.
 */
export const errorBudgetBytes = 24 * 1024;
/** Names are echoed in the message and the details; a valid name has at most 253 characters. */
const maxNameLength = 253;

interface Shown {
  errors: FieldError[];
  /** Each shown error as kubectl prints it, and its part after the field (errorBody): each formatted once. */
  texts: string[];
  bodies: string[];
  /** Errors found but not shown. */
  more: number;
}

/** The bytes an error's text costs in the answer: twice (in the message, and as a cause), JSON-escaped, in UTF-8. */
const cost = (text: string) => Buffer.byteLength(JSON.stringify(text)) * 2 + 64;
/**
 * At least cost(text): a UTF-16 unit takes at most 6 bytes, escaped (`\u0001`) or not (3 bytes in UTF-8, a
 * surrogate pair 4 for two units).
 */
const costBound = (text: string) => (text.length * 6 + 2) * 2 + 64;

/**
 * The first maxFieldErrors distinct errors that fit the byte budget; `total` counts every error found,
 * including those the rules counted without keeping.
 */
function shown(errors: readonly FieldError[], total: number): Shown {
  const out: FieldError[] = [];
  const texts: string[] = [];
  const bodies: string[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  // Costs are counted from an upper bound while the bounds fit (then the exact costs fit too), and exactly from
  // the first error whose bound does not: the same errors are shown, and an ordinary denial escapes no text.
  let exact = false;
  let used = 0;
  for (const e of errors) {
    const body = errorBody(e);
    const text = withField(e, body);
    if (seen.has(text)) {
      used++;
      continue;
    }
    if (out.length >= maxFieldErrors) break;
    if (!exact && bytes + costBound(text) > errorBudgetBytes) {
      exact = true;
      bytes = texts.reduce((n, t) => n + cost(t), 0);
    }
    const c = exact ? cost(text) : costBound(text);
    if (bytes + c > errorBudgetBytes) break;
    seen.add(text);
    out.push(e);
    texts.push(text);
    bodies.push(body);
    bytes += c;
    used++;
  }
  return { errors: out, texts, bodies, more: Math.max(0, total - used) };
}

/**
 * The line standing for the errors not shown. As a cause kubectl prints it `* <field>: <message>`, so the
 * field carries the ellipsis and the message the count: `* ...: and 120 more errors not shown`.
 */
const moreText = (n: number) => `and ${n} more ${n === 1 ? 'error' : 'errors'} not shown`;

function details(group: string, kind: string, name: string, s: Shown) {
  const causes = s.errors.map((e, i) => ({ reason: causeTypes[e.type], message: s.bodies[i]!, field: e.field }));
  if (s.more > 0) causes.push({ reason: 'FieldValueInvalid', message: moreText(s.more), field: '...' });
  return { name, group, kind, causes };
}

/** 422 Invalid: `Kind "name" is invalid: <error>`, or `[<error>, <error>]` for several, then `... and N more`. */
export function invalidStatus(group: string, kind: string, name: string, errors: readonly FieldError[], total = errors.length): Status {
  const s = shown(errors, total);
  const shortName = ellipsis(name, maxNameLength);
  const messages = [...s.texts];
  if (s.more > 0) messages.push(`... ${moreText(s.more)}`);
  const aggregate = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  return {
    status: 'Failure',
    message: `${kind} ${JSON.stringify(shortName)} is invalid: ${aggregate}`,
    reason: 'Invalid',
    code: 422,
    details: details(group, kind, shortName, s),
  };
}

/** 403 Forbidden, for a DELETE the cluster cannot take now: `Kind "name" is forbidden: <why>`. */
export function forbiddenStatus(group: string, kind: string, name: string, errors: readonly FieldError[], total = errors.length): Status {
  const s = shown(errors, total);
  const shortName = ellipsis(name, maxNameLength);
  const reasons = [...new Set(s.errors.map((e) => e.detail ?? errorBody(e)))];
  if (s.more > 0) reasons.push(`... ${moreText(s.more)}`);
  return {
    status: 'Failure',
    message: `${kind} ${JSON.stringify(shortName)} is forbidden: ${reasons.join('; ')}`,
    reason: 'Forbidden',
    code: 403,
    details: details(group, kind, shortName, s),
  };
}

/** A fault of this service, not of the object: says so, so nobody edits a correct manifest. */
export function internalErrorStatus(): Status {
  return {
    status: 'Failure',
    message: 'internal error in the egress-gateway webhook; the object was not checked. See the webhook logs and retry',
    reason: 'InternalError',
    code: 500,
  };
}
