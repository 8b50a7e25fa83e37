import type { RuleId } from './catalogue.js';
import type { FieldError } from './field.js';
import type { FieldPath } from './path.js';

// What the rules of one review find, as values: field errors that deny and warnings, each with its rule id.

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

export class Findings {
  readonly errors: RuleError[] = [];
  readonly warnings: Warning[] = [];

  error(rule: RuleId, e: FieldError): void {
    this.errors.push({ ...e, rule });
  }

  errorsFrom(rule: RuleId, errors: readonly FieldError[]): void {
    for (const e of errors) this.errors.push({ ...e, rule });
  }

  warn(rule: RuleId, message: string, field?: FieldPath): void {
    this.warnings.push(field === undefined ? { rule, message } : { rule, message, field: String(field) });
  }
}
