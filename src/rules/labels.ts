import type { FieldError } from './findings.js';
import { didYouMean, quoteList } from './suggest.js';
import { labelValueErrors, qualifiedNameErrors } from './kubernetes-names.js';
import type { FieldPath } from './path.js';
import { isPlainObject } from './values.js';

// Label maps and LabelSelectors, checked as the API server checks them for built-in kinds.
// Structure (types, unknown fields) is the schema's job; these see only well-typed parts.

export function labelKeyErrors(path: FieldPath, key: string, rule: string): FieldError[] {
  return qualifiedNameErrors(key).map((detail) => ({ rule, type: 'Invalid value', field: String(path), value: key, detail }));
}

export function labelMapErrors(path: FieldPath, labels: unknown, rule: string): FieldError[] {
  if (!isPlainObject(labels)) return [];
  const errors: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errors.push(...labelKeyErrors(path, k, rule));
    if (typeof v !== 'string') continue;
    for (const detail of labelValueErrors(v)) {
      errors.push({ rule, type: 'Invalid value', field: String(path.key(k)), value: v, detail });
    }
  }
  return errors;
}

export const selectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export function labelSelectorErrors(path: FieldPath, selector: unknown): FieldError[] {
  if (!isPlainObject(selector)) return [];
  const errors = labelMapErrors(path.child('matchLabels'), selector['matchLabels'], 'selector-label');
  const exprs = selector['matchExpressions'];
  if (!Array.isArray(exprs)) return errors;
  exprs.forEach((expr, i) => {
    if (!isPlainObject(expr)) return;
    const p = path.child('matchExpressions').index(i);
    const { key, operator, values } = expr;
    const count = Array.isArray(values) ? values.length : 0;
    if (typeof operator === 'string') {
      if (operator === 'In' || operator === 'NotIn') {
        if (count === 0) {
          errors.push({
            rule: 'selector-operator',
            type: 'Required value',
            field: String(p.child('values')),
            detail: "must be specified when `operator` is 'In' or 'NotIn'",
          });
        }
      } else if (operator === 'Exists' || operator === 'DoesNotExist') {
        if (count > 0) {
          errors.push({
            rule: 'selector-operator',
            type: 'Forbidden',
            field: String(p.child('values')),
            detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          });
        }
      } else {
        const hint = didYouMean(operator, selectorOperators);
        errors.push({
          rule: 'selector-operator',
          type: 'Unsupported value',
          field: String(p.child('operator')),
          value: operator,
          detail: `supported values: ${quoteList(selectorOperators)}${hint ? `; ${hint}` : ''}`,
        });
      }
    }
    if (typeof key === 'string') errors.push(...labelKeyErrors(p.child('key'), key, 'selector-label'));
    if (Array.isArray(values)) {
      values.forEach((v, j) => {
        if (typeof v !== 'string') return;
        for (const detail of labelValueErrors(v)) {
          errors.push({ rule: 'selector-label', type: 'Invalid value', field: String(p.child('values').index(j)), value: v, detail });
        }
      });
    }
  });
  return errors;
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


/**
 * Whether a LabelSelector selects an object with these labels (metav1.LabelSelectorAsSelector semantics:
 * every matchLabels pair and every expression must hold; the empty selector selects everything).
 * Call it on a selector without errors: unknown operators select nothing.
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (!isPlainObject(selector)) return false;
  const pairs = selector['matchLabels'];
  if (isPlainObject(pairs)) {
    for (const [k, v] of Object.entries(pairs)) if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  const exprs = selector['matchExpressions'];
  if (!Array.isArray(exprs)) return true;
  return exprs.every((expr) => {
    if (!isPlainObject(expr) || typeof expr['key'] !== 'string') return false;
    const key = expr['key'];
    const has = Object.hasOwn(labels, key);
    const values = Array.isArray(expr['values']) ? expr['values'] : [];
    switch (expr['operator']) {
      case 'In':
        return has && values.includes(labels[key]);
      case 'NotIn':
        return !has || !values.includes(labels[key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}
