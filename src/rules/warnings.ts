import type { Warning } from './findings.js';

// kubectl prints each warning on its own "Warning:" line; long or many warnings bury the one that matters.
export const maxWarningLength = 120;
export const maxWarnings = 10;

export function truncate(message: string, max = maxWarningLength): string {
  return message.length <= max ? message : `${message.slice(0, max - 3)}...`;
}

/** Each at most 120 characters, at most 10; when more were found, the last line says how many were left out. */
export function limitWarnings(warnings: readonly Warning[]): string[] {
  const unique = [...new Set(warnings.map((w) => truncate(w.message)))];
  if (unique.length <= maxWarnings) return unique;
  const kept = unique.slice(0, maxWarnings - 1);
  kept.push(`${unique.length - kept.length} more warnings not shown`);
  return kept;
}

/**
 * Joins items into "head: a, b, c" within the length limit, ending with "+N more" when they do not fit,
 * so a list never gets cut in the middle of a name.
 */
export function packList(head: string, items: readonly string[], max = maxWarningLength): string {
  let out = `${head}: `;
  for (let i = 0; i < items.length; i++) {
    const sep = i === 0 ? '' : ', ';
    const rest = items.length - i - 1;
    const tail = rest > 0 ? `, +${rest} more` : '';
    if ((out + sep + items[i] + tail).length > max) {
      const more = `${i === 0 ? '' : ', '}+${items.length - i} more`;
      return truncate(out + more, max);
    }
    out += sep + items[i];
  }
  return out;
}
