import { FieldPath } from './path.js';
import { quoteList } from './suggest.js';

// Field errors the way k8s.io/apimachinery/pkg/util/validation/field builds them: one constructor per error
// type, each returning a value. The text is what kubectl prints, so operators read the words they know.

export { FieldPath };

/** The error types of apimachinery field errors, spelled as kubectl prints them. */
export type FieldErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Unsupported value'
  | 'Not found'
  | 'Duplicate value'
  | 'Too long'
  | 'Forbidden';

export interface FieldError {
  type: FieldErrorType;
  /** Field path as Kubernetes prints it: spec.selectors[0].podSelector.matchLabels[app]. */
  field: string;
  /** The offending value; absent for Required, Forbidden and Too long, which Kubernetes prints without it. */
  value?: unknown;
  detail?: string;
}

/** Echoed values are cut here: enough to recognise the value, never enough to grow the answer. */
export const maxValueLength = 64;
/** Field paths are cut here (a map key in a path can be as long as the body). */
export const maxFieldLength = 256;
/** Details are our words plus at most a suggestion; cut anyway, as a suggestion can echo input. */
export const maxDetailLength = 512;

/** The first `max` characters and an ellipsis, without splitting a surrogate pair. */
export function ellipsis(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 3;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}...`;
}

const make = (type: FieldErrorType, path: FieldPath, detail: string | undefined, value?: { v: unknown }): FieldError => {
  const e: FieldError = { type, field: ellipsis(String(path), maxFieldLength) };
  if (value) e.value = value.v;
  if (detail) e.detail = ellipsis(detail, maxDetailLength);
  return e;
};

export const required = (path: FieldPath, detail?: string): FieldError => make('Required value', path, detail);
export const invalid = (path: FieldPath, value: unknown, detail?: string): FieldError => make('Invalid value', path, detail, { v: value });
/** `supported values: "a", "b"`, then the hint (a "did you mean"), when there is one. */
export const notSupported = (path: FieldPath, value: unknown, valid: readonly string[], hint?: string): FieldError =>
  make('Unsupported value', path, `supported values: ${quoteList(valid)}${hint ? `; ${hint}` : ''}`, { v: value });
export const duplicate = (path: FieldPath, value: unknown, detail?: string): FieldError => make('Duplicate value', path, detail, { v: value });
export const notFound = (path: FieldPath, value: unknown, detail?: string): FieldError => make('Not found', path, detail, { v: value });
/** `may not be more than N bytes`, with why the platform needs it shorter. */
export const tooLong = (path: FieldPath, maxBytes: number, why?: string): FieldError =>
  make('Too long', path, `may not be more than ${maxBytes} bytes${why ? ` (${why})` : ''}`);
export const forbidden = (path: FieldPath, detail: string): FieldError => make('Forbidden', path, detail);

/**
 * Field errors of one check over a list as long as the body allows: the first maxBuiltErrors are built, the
 * rest only counted (`unbuilt`), since no answer shows more. Findings.errorsFrom counts both.
 */
export type ErrorList = FieldError[] & { unbuilt?: number };
export const maxBuiltErrors = 50;

/** Adds the error `make` builds, or only counts it once the list holds maxBuiltErrors. */
export function pushCapped(list: ErrorList, make: () => FieldError): void {
  if (list.length < maxBuiltErrors) list.push(make());
  else list.unbuilt = (list.unbuilt ?? 0) + 1;
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

/**
 * JSON of a value, stopping once `max` characters are written: a list of 300,000 values or an object nested
 * deep is never serialised whole. Returns the text and whether it was cut.
 */
function boundedJSON(value: unknown, max: number): { text: string; cut: boolean } {
  let out = '';
  const write = (v: unknown): boolean => {
    if (out.length > max) return false;
    if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length; i++) {
        if (i > 0) out += ',';
        if (!write(v[i])) return false;
      }
      out += ']';
    } else if (typeof v === 'object' && v !== null) {
      out += '{';
      let first = true;
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        out += `${first ? '' : ','}${JSON.stringify(ellipsis(k, max + 1))}:`;
        first = false;
        if (!write((v as Record<string, unknown>)[k])) return false;
      }
      out += '}';
    } else if (typeof v === 'string') {
      out += JSON.stringify(ellipsis(v, max + 1));
    } else {
      out += v === undefined ? 'null' : JSON.stringify(v);
    }
    return out.length <= max;
  };
  const whole = write(value);
  return whole ? { text: out, cut: false } : { text: ellipsis(out, max), cut: true };
}

/**
 * Go's %q / %v rendering of a bad value, as apimachinery does it, cut to maxValueLength characters of the
 * value with an ellipsis: a string keeps its quotes around the cut text.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(ellipsis(value, maxValueLength));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return boundedJSON(value, maxValueLength).text;
}

/** The part after "<field>: ", as in metav1.StatusCause.message. */
export function errorBody(e: FieldError): string {
  let s: string = e.type;
  if (!typesWithoutValue.has(e.type) && 'value' in e) s += `: ${formatValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** The one formatter of a field error, for the webhook's answers and the offline command alike. */
export function formatFieldError(e: FieldError): string {
  return withField(e, errorBody(e));
}

/** formatFieldError from an errorBody already made (a denial needs both). */
export function withField(e: FieldError, body: string): string {
  return `${e.field}: ${body}`;
}
