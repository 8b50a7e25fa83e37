import type { RuleId } from './catalogue.js';
import { type ErrorList, type FieldError, maxBuiltErrors } from './field.js';
import type { FieldPath } from './path.js';

// What the rules of one review find, as values: field errors that deny and warnings, each with its rule id.
// An answer shows at most maxFieldErrors errors and maxWarnings warnings, so only that many of each rule are
// kept; the rest are counted (per rule, for the metrics and the "and N more" line), whatever the input's size.

/** Field errors one denial shows; the rest are counted. */
export const maxFieldErrors = maxBuiltErrors;
/** Warnings one answer shows; the rest are counted. */
export const maxWarnings = 10;

/** A field error together with the rule that found it. */
export interface RuleError extends FieldError {
  rule: RuleId;
}

export interface Warning {
  rule: RuleId;
  message: string;
  /** The field the warning is about, when it is about one. */
  field?: string;
}

const bump = (counts: Map<RuleId, number>, rule: RuleId, n: number) => counts.set(rule, (counts.get(rule) ?? 0) + n);
/** What a Findings without errors (or warnings) reports: most reviews build no count map at all. */
const noCounts: ReadonlyMap<RuleId, number> = new Map();

export class Findings {
  /** The first maxFieldErrors errors of each rule, in the order found. */
  readonly errors: RuleError[] = [];
  /** The first maxWarnings warnings of each rule, in the order found. */
  readonly warnings: Warning[] = [];
  private errorsPerRule: Map<RuleId, number> | undefined;
  private warningsPerRule: Map<RuleId, number> | undefined;
  errorCount = 0;
  warningCount = 0;

  /** Every error found, kept or not, per rule. */
  get errorCounts(): ReadonlyMap<RuleId, number> {
    return this.errorsPerRule ?? noCounts;
  }

  /** Every warning found, kept or not, per rule. */
  get warningCounts(): ReadonlyMap<RuleId, number> {
    return this.warningsPerRule ?? noCounts;
  }

  error(rule: RuleId, e: FieldError): void {
    this.errorCount++;
    const counts = (this.errorsPerRule ??= new Map());
    const n = (counts.get(rule) ?? 0) + 1;
    counts.set(rule, n);
    if (n <= maxFieldErrors) this.errors.push({ ...e, rule });
  }

  /** The errors of a list, and those it counted without building. */
  errorsFrom(rule: RuleId, errors: readonly FieldError[] | ErrorList): void {
    for (const e of errors) this.error(rule, e);
    const unbuilt = (errors as ErrorList).unbuilt ?? 0;
    if (unbuilt > 0) this.errorsUnbuilt(rule, unbuilt);
  }

  /** How many more errors of `rule` would still be kept. */
  errorRoom(rule: RuleId): number {
    return Math.max(0, maxFieldErrors - (this.errorCounts.get(rule) ?? 0));
  }

  /** `n` errors of `rule`, built by `make` only while there is room to keep them. */
  errorsOf(rule: RuleId, n: number, make: (i: number) => FieldError): void {
    const built = Math.min(n, this.errorRoom(rule));
    for (let i = 0; i < built; i++) this.error(rule, make(i));
    if (n > built) this.errorsUnbuilt(rule, n - built);
  }

  /**
   * Whether one more error of `rule` is kept: if so the caller builds it and adds it with error(); if not, it is
   * counted here as found and the caller builds nothing (no closure per call, as errorsOf needs).
   */
  keepsError(rule: RuleId): boolean {
    if (this.errorRoom(rule) > 0) return true;
    this.errorsUnbuilt(rule, 1);
    return false;
  }

  /** Counts `n` errors of `rule` that were found but not built (there was no room to keep them). */
  errorsUnbuilt(rule: RuleId, n: number): void {
    this.errorCount += n;
    bump((this.errorsPerRule ??= new Map()), rule, n);
  }

  warn(rule: RuleId, message: string, field?: FieldPath): void {
    this.warningCount++;
    const counts = (this.warningsPerRule ??= new Map());
    const n = (counts.get(rule) ?? 0) + 1;
    counts.set(rule, n);
    if (n <= maxWarnings) this.warnings.push(field === undefined ? { rule, message } : { rule, message, field: String(field) });
  }

  /** How many more warnings of `rule` would still be kept: a rule with many similar ones builds only these. */
  warningRoom(rule: RuleId): number {
    return Math.max(0, maxWarnings - (this.warningCounts.get(rule) ?? 0));
  }

  /** Counts `n` warnings of `rule` that were found but not built (there was no room to keep them). */
  warnUnbuilt(rule: RuleId, n: number): void {
    if (n <= 0) return;
    this.warningCount += n;
    bump((this.warningsPerRule ??= new Map()), rule, n);
  }
}
