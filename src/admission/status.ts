import { causeTypes, errorBody, type FieldError, formatFieldError } from '../rules/field.js';

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

function details(group: string, kind: string, name: string, errors: readonly FieldError[]) {
  return {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: causeTypes[e.type], message: errorBody(e), field: e.field })),
  };
}

const unique = (items: string[]) => [...new Set(items)];

/** 422 Invalid: `Kind "name" is invalid: <error>`, or `[<error>, <error>]` for several. */
export function invalidStatus(group: string, kind: string, name: string, errors: readonly FieldError[]): Status {
  const messages = unique(errors.map(formatFieldError));
  const aggregate = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  return {
    status: 'Failure',
    message: `${kind} ${JSON.stringify(name)} is invalid: ${aggregate}`,
    reason: 'Invalid',
    code: 422,
    details: details(group, kind, name, errors),
  };
}

/** 403 Forbidden, for a DELETE the cluster cannot take now: `Kind "name" is forbidden: <why>`. */
export function forbiddenStatus(group: string, kind: string, name: string, errors: readonly FieldError[]): Status {
  const why = unique(errors.map((e) => e.detail ?? errorBody(e))).join('; ');
  return {
    status: 'Failure',
    message: `${kind} ${JSON.stringify(name)} is forbidden: ${why}`,
    reason: 'Forbidden',
    code: 403,
    details: details(group, kind, name, errors),
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
