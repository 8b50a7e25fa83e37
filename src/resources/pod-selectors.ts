import type { Findings } from '../rules/findings.js';
import { required } from '../rules/field.js';
import { checkLabelSelector, isEmptySelector } from '../rules/labels.js';
import { FieldPath } from '../rules/path.js';
import { isPlainObject } from '../rules/values.js';

// spec.selectors of both policy kinds: which pods a policy sends through its gateway. Deckhouse's has a
// podSelector per entry; Cilium's has podSelector and namespaceSelector (one of them needed) and, in newer
// releases, a nodeSelector that narrows the pods to those on matching nodes.

export interface SelectorFields {
  /** The LabelSelector fields an entry may have. */
  fields: readonly string[];
  /** At least one of these must be present in each entry (undefined: the schema requires them). */
  oneOf?: readonly string[];
  /** The fields that choose pods; an entry whose present ones are all empty selects every pod. */
  podFields: readonly string[];
  /** Warn when spec.selectors is absent (it is optional), not only when it is empty. */
  warnWhenAbsent: boolean;
}

const path = FieldPath.root('spec').child('selectors');

export function checkPodSelectors(selectors: unknown, shape: SelectorFields, f: Findings): void {
  if ((selectors === undefined && shape.warnWhenAbsent) || (Array.isArray(selectors) && selectors.length === 0)) {
    f.warn('selectors-empty', 'spec.selectors is empty, so this policy routes no pod through the gateway; add a podSelector');
    return;
  }
  if (!Array.isArray(selectors)) return;
  selectors.forEach((item, i) => {
    if (!isPlainObject(item)) return;
    const entry = path.index(i);
    // A selector with an error has labels or expressions, so it is not empty: only valid ones are looked at
    // below (listing the keys of a map with 100,000 of them takes milliseconds each time).
    const valid = shape.fields.filter((field) => checkLabelSelector(entry.child(field), item[field], f));
    const empty = (k: string) => valid.includes(k) && isEmptySelector(item[k]);
    if (shape.oneOf && !shape.oneOf.some((k) => item[k] !== undefined)) {
      f.error('cilium-selector-entry', required(entry, `${shape.oneOf.join(' or ')}; an entry without either makes Cilium ignore the whole policy`));
      return;
    }
    const present = shape.podFields.filter((k) => item[k] !== undefined);
    const narrowed = shape.fields.some((k) => !shape.podFields.includes(k) && item[k] !== undefined && !empty(k));
    if (present.length > 0 && !narrowed && present.every(empty)) {
      f.warn('pod-selector-empty', `${entry.child(present[0]!)} is empty and selects every pod in the cluster; add matchLabels`);
    }
  });
}
