import type { FieldError } from './findings.js';
import { dns1123SubdomainErrors } from './kubernetes-names.js';
import type { FieldPath } from './path.js';

/** A name longer than `max` bytes, with the reason the platform needs it shorter. */
export function nameLengthError(path: FieldPath, name: string, max: number, why: string, rule: string): FieldError | undefined {
  if (Buffer.byteLength(name, 'utf8') <= max) return undefined;
  return { rule, type: 'Too long', field: String(path), detail: `may not be more than ${max} bytes (${why})` };
}

/** A reference to another object by name: must be a DNS-1123 subdomain, as every custom resource name is. */
export function objectNameErrors(path: FieldPath, name: string, rule: string): FieldError[] {
  return dns1123SubdomainErrors(name).map((detail) => ({ rule, type: 'Invalid value', field: String(path), value: name, detail }));
}
