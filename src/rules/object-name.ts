import { type FieldError, invalid, tooLong } from './field.js';
import { dns1123SubdomainErrors } from './kubernetes-names.js';
import type { FieldPath } from './path.js';

/** A name longer than `max` bytes, with the reason the platform needs it shorter. */
export function nameLengthError(path: FieldPath, name: string, max: number, why: string): FieldError | undefined {
  return Buffer.byteLength(name, 'utf8') <= max ? undefined : tooLong(path, max, why);
}

/** A reference to another object by name: must be a DNS-1123 subdomain, as every custom resource name is. */
export function objectNameErrors(path: FieldPath, name: string): FieldError[] {
  return dns1123SubdomainErrors(name).map((detail) => invalid(path, name, detail));
}
