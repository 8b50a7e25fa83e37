import { invalid, required } from './field.js';
import type { Findings } from './findings.js';
import type { FieldPath } from './path.js';

// Linux's dev_valid_name(): 1 to IFNAMSIZ-1 (15) bytes, not "." or "..", no '/', ':' or whitespace.
// NUL cannot be stored in a C string, so it is refused as well.

export const maxInterfaceNameBytes = 15;
const whitespace = /[ \t\n\v\f\r]/;

const enum Problem {
  TooLong = 1,
  Dots = 2,
  Slash = 4,
  Colon = 8,
  Whitespace = 16,
  Nul = 32,
}

/** What Linux would refuse in a non-empty name, as bits: a list of 85,000 bad names makes no list per name. */
function problemsOf(name: string): number {
  let bits = 0;
  if (Buffer.byteLength(name, 'utf8') > maxInterfaceNameBytes) bits |= Problem.TooLong;
  if (name === '.' || name === '..') bits |= Problem.Dots;
  if (name.includes('/')) bits |= Problem.Slash;
  if (name.includes(':')) bits |= Problem.Colon;
  if (whitespace.test(name)) bits |= Problem.Whitespace;
  if (name.includes('\0')) bits |= Problem.Nul;
  return bits;
}

/** The details of the Invalid value errors for the problems `bits` holds. */
function details(bits: number): string[] {
  const out: string[] = [];
  if (bits & Problem.TooLong) out.push(`must be at most ${maxInterfaceNameBytes} bytes, the Linux limit for interface names`);
  if (bits & Problem.Dots) out.push('must not be "." or ".."');
  const bad: string[] = [];
  if (bits & Problem.Slash) bad.push("'/'");
  if (bits & Problem.Colon) bad.push("':' (alias labels like eth1:0 are not interfaces)");
  if (bits & Problem.Whitespace) bad.push('whitespace');
  if (bits & Problem.Nul) bad.push('NUL');
  if (bad.length) out.push(`must not contain ${bad.join(', ')}`);
  return out;
}

/** The interface-name errors of `name`, each built only while the rule has room (a list may name 85,000). */
export function checkInterfaceName(path: FieldPath, name: string, f: Findings): void {
  if (name === '') {
    if (f.keepsError('interface-name')) f.error('interface-name', required(path, 'a network interface name such as "eth1"'));
    return;
  }
  const bits = problemsOf(name);
  if (bits === 0) return;
  // The "must not contain" characters make one error together.
  const n = (bits & Problem.TooLong ? 1 : 0) + (bits & Problem.Dots ? 1 : 0) + (bits & ~(Problem.TooLong | Problem.Dots) ? 1 : 0);
  if (f.errorRoom('interface-name') === 0) return f.errorsUnbuilt('interface-name', n);
  const built = details(bits);
  f.errorsOf('interface-name', n, (i) => invalid(path, name, built[i]));
}
