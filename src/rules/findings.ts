// The vocabulary every rule speaks: Kubernetes-style field errors and warnings, collected as values.

/** The error types of k8s.io/apimachinery field errors, spelled as kubectl prints them. */
export type FieldErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Unsupported value'
  | 'Not found'
  | 'Duplicate value'
  | 'Too long'
  | 'Forbidden';

export interface FieldError {
  /** Stable rule id, for logs and metrics. */
  rule: string;
  type: FieldErrorType;
  /** Field path as Kubernetes prints it: spec.selectors[0].podSelector.matchLabels[app]. */
  field: string;
  /** The offending value; absent for Required, Forbidden and Too long, which Kubernetes prints without it. */
  value?: unknown;
  detail?: string;
}

export interface Warning {
  rule: string;
  message: string;
}

/** Cause types of metav1.StatusCause, per field error type. */
export const causeTypes: Record<FieldErrorType, string> = {
  'Required value': 'FieldValueRequired',
  'Invalid value': 'FieldValueInvalid',
  'Unsupported value': 'FieldValueNotSupported',
  'Not found': 'FieldValueNotFound',
  'Duplicate value': 'FieldValueDuplicate',
  'Too long': 'FieldValueTooLong',
  Forbidden: 'FieldValueForbidden',
};

const typesWithoutValue = new Set<FieldErrorType>(['Required value', 'Forbidden', 'Too long']);

/** Go's %q / %v rendering of a bad value, as apimachinery does it. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The part after "<field>: ", as in metav1.StatusCause.message. */
export function errorBody(e: FieldError): string {
  let s: string = e.type;
  if (!typesWithoutValue.has(e.type) && 'value' in e) s += `: ${formatValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** Collects what the rules of one review find. */
export class Findings {
  readonly errors: FieldError[] = [];
  readonly warnings: Warning[] = [];

  error(e: FieldError): void {
    this.errors.push(e);
  }

  warn(rule: string, message: string): void {
    this.warnings.push({ rule, message });
  }

  addAll(errors: readonly FieldError[]): void {
    for (const e of errors) this.errors.push(e);
  }
}
