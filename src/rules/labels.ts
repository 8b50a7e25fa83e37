import { type ErrorList, type FieldError, forbidden, invalid, maxBuiltErrors, notSupported, pushCapped, required } from './field.js';
import type { Findings } from './findings.js';
import { didYouMean } from './suggest.js';
import { countErrors, labelValueErrors, qualifiedNameErrors } from './kubernetes-names.js';
import type { FieldPath } from './path.js';
import { isPlainObject } from './values.js';

// Label maps and LabelSelectors, checked as the API server checks them for built-in kinds.
// Structure (types, unknown fields) is the schema's job; these see only well-typed parts.

export function labelKeyErrors(path: FieldPath, key: string): FieldError[] {
  return qualifiedNameErrors(key).map((detail) => invalid(path, key, detail));
}

/** Errors of a label map; past the first few only counted (a map can have 100,000 keys). */
export function labelMapErrors(path: FieldPath, labels: unknown): ErrorList {
  const errors: ErrorList = [];
  if (!isPlainObject(labels)) return errors;
  // Object.keys, not for-in: a map with many keys is a dictionary, which for-in walks far slower.
  for (const k of Object.keys(labels)) {
    const v = labels[k];
    if (errors.length >= maxBuiltErrors) {
      // Past what an answer shows: count, without messages.
      const n = countErrors(qualifiedNameErrors, k) + (typeof v === 'string' ? countErrors(labelValueErrors, v) : 0);
      if (n > 0) errors.unbuilt = (errors.unbuilt ?? 0) + n;
      continue;
    }
    for (const detail of qualifiedNameErrors(k)) pushCapped(errors, () => invalid(path, k, detail));
    if (typeof v !== 'string') continue;
    for (const detail of labelValueErrors(v)) pushCapped(errors, () => invalid(path.key(k), v, detail));
  }
  return errors;
}

export const selectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** Checks a metav1.LabelSelector into `f`; true when it has no error (so which objects it selects means something). */
export function checkLabelSelector(path: FieldPath, selector: unknown, f: Findings): boolean {
  if (!isPlainObject(selector)) return true;
  const before = f.errorCount;
  f.errorsFrom('selector-label', labelMapErrors(path.child('matchLabels'), selector['matchLabels']));
  const exprs = selector['matchExpressions'];
  if (Array.isArray(exprs)) {
    const list = path.child('matchExpressions');
    exprs.forEach((expr, i) => {
      if (!isPlainObject(expr)) return;
      const p = list.index(i);
      const { key, operator, values } = expr;
      const count = Array.isArray(values) ? values.length : 0;
      // Each error built only while its rule has room (errorsOf): a selector may hold 100,000 expressions.
      if (typeof operator === 'string') {
        if (operator === 'In' || operator === 'NotIn') {
          if (count === 0) f.errorsOf('selector-operator', 1, () => required(p.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        } else if (operator === 'Exists' || operator === 'DoesNotExist') {
          if (count > 0) f.errorsOf('selector-operator', 1, () => forbidden(p.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        } else {
          f.errorsOf('selector-operator', 1, () => notSupported(p.child('operator'), operator, selectorOperators, didYouMean(operator, selectorOperators)));
        }
      }
      if (typeof key === 'string') {
        if (f.errorRoom('selector-label') > 0) f.errorsFrom('selector-label', labelKeyErrors(p.child('key'), key));
        else f.errorsOf('selector-label', countErrors(qualifiedNameErrors, key), () => invalid(p, key));
      }
      if (Array.isArray(values)) {
        values.forEach((v, j) => {
          if (typeof v !== 'string') return;
          if (f.errorRoom('selector-label') === 0) {
            f.errorsOf('selector-label', countErrors(labelValueErrors, v), () => invalid(p, v));
            return;
          }
          const details = labelValueErrors(v);
          if (details.length > 0) f.errorsOf('selector-label', details.length, (d) => invalid(p.child('values').index(j), v, details[d]));
        });
      }
    });
  }
  return f.errorCount === before;
}

/** True when the selector selects everything: no labels and no expressions. */
export function isEmptySelector(selector: unknown): boolean {
  if (!isPlainObject(selector)) return false;
  const labels = selector['matchLabels'];
  const exprs = selector['matchExpressions'];
  const noLabels = labels === undefined || (isPlainObject(labels) && Object.keys(labels).length === 0);
  const noExprs = exprs === undefined || (Array.isArray(exprs) && exprs.length === 0);
  return noLabels && noExprs;
}


/** Whether the labels hold every pair (a map selector, as nodeSelector and the agents' labels are; {} holds always). */
export function hasLabels(labels: Readonly<Record<string, string>>, pairs: Readonly<Record<string, unknown>>): boolean {
  for (const k in pairs) if (Object.hasOwn(pairs, k) && (!Object.hasOwn(labels, k) || labels[k] !== pairs[k])) return false;
  return true;
}

export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: ReadonlySet<string>;
}

/** The values of Exists and DoesNotExist (and of an In with none, which has an error): one set for all. */
const noValues: ReadonlySet<string> = new Set();

/**
 * A LabelSelector as requirements (matchLabels pairs become `In` with one value), values in sets so that a
 * long `In` list costs one lookup per node; undefined when it selects nothing (an entry Kubernetes would
 * refuse: call this on selectors without errors).
 */
export function selectorRequirements(selector: unknown): Requirement[] | undefined {
  if (!isPlainObject(selector)) return undefined;
  const out: Requirement[] = [];
  const pairs = selector['matchLabels'];
  if (isPlainObject(pairs)) {
    for (const [key, v] of Object.entries(pairs)) {
      if (typeof v !== 'string') return undefined;
      out.push({ key, operator: 'In', values: new Set([v]) });
    }
  }
  const exprs = selector['matchExpressions'];
  if (!Array.isArray(exprs)) return out;
  for (const expr of exprs) {
    if (!isPlainObject(expr) || typeof expr['key'] !== 'string') return undefined;
    const operator = expr['operator'];
    if (operator !== 'In' && operator !== 'NotIn' && operator !== 'Exists' && operator !== 'DoesNotExist') return undefined;
    const values = Array.isArray(expr['values']) ? expr['values'].filter((v): v is string => typeof v === 'string') : [];
    // A selector may hold 60,000 expressions: no set of its own for each one without values.
    out.push({ key: expr['key'], operator, values: values.length === 0 ? noValues : new Set(values) });
  }
  return out;
}

export function requirementHolds(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && r.values.has(labels[r.key]!);
    case 'NotIn':
      return !has || !r.values.has(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** Whether the labels satisfy every requirement. */
export function requirementsHold(reqs: readonly Requirement[], labels: Readonly<Record<string, string>>): boolean {
  return reqs.every((r) => requirementHolds(r, labels));
}

/**
 * Whether a LabelSelector selects an object with these labels (metav1.LabelSelectorAsSelector semantics:
 * every matchLabels pair and every expression must hold; the empty selector selects everything).
 * Call it on a selector without errors: one Kubernetes would refuse selects nothing.
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const reqs = selectorRequirements(selector);
  return reqs !== undefined && requirementsHold(reqs, labels);
}

/** A map selector as `k=v,k2=v2`, the form of a label selector string and of kubectl's output. */
export function formatLabelMap(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
