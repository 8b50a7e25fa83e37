import { formatValue } from '../rules/field.js';
import { isPlainObject } from '../rules/values.js';
import type { Operation } from '../resources/review-input.js';

// The AdmissionReview envelope (admission.k8s.io/v1 and v1beta1): what a request must carry to be answered.

export const reviewVersions = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type ReviewVersion = (typeof reviewVersions)[number];
const operations: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  subResource?: string;
  operation: Operation;
  name?: string;
  namespace?: string;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export type ParsedReview = { ok: true; apiVersion: ReviewVersion; request: AdmissionRequest } | { ok: false; message: string };

const fail = (message: string): ParsedReview => ({ ok: false, message });
/** A value a request sent, for a message: cut short, and never serialised whole (it may be nested deep). */
const shown = (v: unknown) => formatValue(v ?? null);

/** The uid is echoed in the answer; the API server's are 36 characters. */
export const maxUidLength = 256;
/**
 * Arrays and objects nested deeper than this are refused: an AdmissionReview puts the object at depth 3 and
 * the deepest field of these kinds is 8 levels below it.
 */
export const maxNesting = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `max`: one pass over the text, without parsing it
 * (brackets inside strings do not count). Malformed text is left for JSON.parse to report.
 */
export function jsonNestingExceeds(text: string, max: number): boolean {
  // Nesting is at most the number of brackets that open, wherever they are: a review has a few dozen, counted with
  // indexOf (much faster than a loop over every character); only a body with more gets the exact pass.
  let opening = 0;
  for (let i = text.indexOf('{'); i >= 0 && opening <= max; i = text.indexOf('{', i + 1)) opening++;
  for (let i = text.indexOf('['); i >= 0 && opening <= max; i = text.indexOf('[', i + 1)) opening++;
  if (opening <= max) return false;
  let depth = 0;
  // Jumps from one structural character to the next, and over strings with indexOf: native speed on the
  // mostly-string text of a review, which a loop over every character is not.
  const structural = /["[\]{}]/g;
  for (let m = structural.exec(text); m !== null; m = structural.exec(text)) {
    const c = text.charCodeAt(m.index);
    if (c === 34 /* " */) {
      // The string ends at the next quote preceded by an even number of backslashes.
      let from = m.index + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return false;
        let slashes = 0;
        while (text.charCodeAt(q - 1 - slashes) === 92 /* \\ */) slashes++;
        from = q + 1;
        if (slashes % 2 === 0) break;
      }
      structural.lastIndex = from;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else {
      depth--;
    }
  }
  return false;
}

export function parseReview(body: unknown): ParsedReview {
  if (!isPlainObject(body)) return fail('body must be a JSON object: an AdmissionReview');
  const { apiVersion, kind, request } = body;
  if (kind !== 'AdmissionReview') return fail(`kind must be "AdmissionReview", got ${shown(kind)}`);
  if (!reviewVersions.includes(apiVersion as ReviewVersion)) {
    return fail(`apiVersion must be "admission.k8s.io/v1" or "admission.k8s.io/v1beta1", got ${shown(apiVersion)}`);
  }
  if (!isPlainObject(request)) return fail('request is required');
  const { uid, operation, subResource, name, namespace, object, oldObject, dryRun } = request;
  if (typeof uid !== 'string' || uid === '') return fail('request.uid is required');
  if (uid.length > maxUidLength) return fail(`request.uid is longer than ${maxUidLength} characters`);
  const gvk = request['kind'];
  if (!isPlainObject(gvk) || typeof gvk['kind'] !== 'string' || typeof gvk['version'] !== 'string') {
    return fail('request.kind must have kind and version');
  }
  if (!operations.includes(operation as Operation)) {
    return fail(`request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got ${shown(operation)}`);
  }
  const op = operation as Operation;
  // The API server leaves subResource out (or empty) for the object itself; only a name counts as one.
  const sub = typeof subResource === 'string' && subResource !== '' ? subResource : undefined;
  if ((op === 'CREATE' || op === 'UPDATE') && !isPlainObject(object) && sub === undefined) {
    return fail(`request.object must be an object for ${op}`);
  }
  const parsed: AdmissionRequest = {
    uid,
    kind: { group: typeof gvk['group'] === 'string' ? gvk['group'] : '', version: gvk['version'], kind: gvk['kind'] },
    operation: op,
    object,
    oldObject,
  };
  if (sub !== undefined) parsed.subResource = sub;
  if (typeof name === 'string') parsed.name = name;
  if (typeof namespace === 'string') parsed.namespace = namespace;
  if (typeof dryRun === 'boolean') parsed.dryRun = dryRun;
  return { ok: true, apiVersion: apiVersion as ReviewVersion, request: parsed };
}
