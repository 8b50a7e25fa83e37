import { type FieldError, invalid, required } from './field.js';
import type { FieldPath } from './path.js';

// Linux's dev_valid_name(): 1 to IFNAMSIZ-1 (15) bytes, not "." or "..", no '/', ':' or whitespace.
// NUL cannot be stored in a C string, so it is refused as well.

export const maxInterfaceNameBytes = 15;

export function interfaceNameErrors(path: FieldPath, name: string): FieldError[] {
  if (name === '') return [required(path, 'a network interface name such as "eth1"')];
  const errors: FieldError[] = [];
  if (Buffer.byteLength(name, 'utf8') > maxInterfaceNameBytes) {
    errors.push(invalid(path, name, `must be at most ${maxInterfaceNameBytes} bytes, the Linux limit for interface names`));
  }
  if (name === '.' || name === '..') errors.push(invalid(path, name, 'must not be "." or ".."'));
  const bad: string[] = [];
  if (name.includes('/')) bad.push("'/'");
  if (name.includes(':')) bad.push("':' (alias labels like eth1:0 are not interfaces)");
  if (/[ \t\n\v\f\r]/.test(name)) bad.push('whitespace');
  if (name.includes('\0')) bad.push('NUL');
  if (bad.length) errors.push(invalid(path, name, `must not contain ${bad.join(', ')}`));
  return errors;
}
