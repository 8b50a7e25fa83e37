import { type FieldError, invalid } from './field.js';
import { type IP, parseIP, specialAddressKind } from './ip.js';
import type { FieldPath } from './path.js';

/**
 * A single unicast source address (a gateway's virtual IP, a Cilium egressIP): parses, carries no prefix
 * length, and is not of a class that can never source traffic. Returns the address or the error with the fix.
 */
export function checkUnicastAddress(
  path: FieldPath,
  text: string,
  opts: { example: string; instead: string },
): { ip: IP } | { error: FieldError } {
  const fail = (detail: string) => ({ error: invalid(path, text, detail) });
  const ip = parseIP(text);
  if (!ip) {
    const bare = text.includes('/') ? parseIP(text.slice(0, text.indexOf('/'))) : undefined;
    if (bare) return fail(`must be a single address without a prefix length; did you mean ${JSON.stringify(bare.canonical)}?`);
    return fail(`must be an IPv4 or IPv6 address, e.g. ${JSON.stringify(opts.example)}`);
  }
  const special = specialAddressKind(ip);
  if (special) return fail(`must not be ${special}; ${opts.instead}`);
  return { ip };
}
