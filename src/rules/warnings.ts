import { isRuleId, ruleEntry } from './catalogue.js';
import { ellipsis } from './field.js';
import { type Findings, maxWarnings, type Warning } from './findings.js';

// kubectl prints each warning on its own "Warning:" line; long or many warnings bury the one that matters.
export const maxWarningLength = 120;
export { maxWarnings };

const rank = { high: 0, normal: 1, low: 2 } as const;
// Node rules (a drain that leaves no standby) are about traffic: they rank high.
const rankOf = (w: Warning) => rank[isRuleId(w.rule) ? (ruleEntry(w.rule).priority ?? 'normal') : 'high'];

/** Cut at a character, not inside one: half a surrogate pair reaches kubectl as U+FFFD. */
export function truncate(message: string, max = maxWarningLength): string {
  return ellipsis(message, max);
}

/** Stable by rank: as found when already in order (most reviews), else one pass per rank (there are three). */
function byRank(warnings: readonly Warning[]): readonly Warning[] {
  const ranks = warnings.map(rankOf);
  let inOrder = true;
  for (let i = 1; i < ranks.length && inOrder; i++) inOrder = ranks[i - 1]! <= ranks[i]!;
  if (inOrder) return warnings;
  const ordered: Warning[] = [];
  for (let r = 0; r <= rank.low; r++) for (let i = 0; i < warnings.length; i++) if (ranks[i] === r) ordered.push(warnings[i]!);
  return ordered;
}

/**
 * Each at most 120 characters, at most 10, the most important first (the catalogue's priority, then the order
 * found); when more were found, the last line says how many were left out. `total` counts the warnings found,
 * including those Findings counted without keeping.
 */
export function limitWarnings(findings: Pick<Findings, 'warnings' | 'warningCount'>, max = maxWarnings): string[] {
  // Most reviews warn about nothing.
  if (findings.warningCount === 0) return [];
  const ordered = byRank(findings.warnings);
  const unique: string[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const w of ordered) {
    const text = truncate(w.message);
    if (seen.has(text)) {
      duplicates++;
      continue;
    }
    seen.add(text);
    unique.push(text);
  }
  const total = findings.warningCount - duplicates;
  if (total <= max) return unique;
  const kept = unique.slice(0, Math.max(0, max - 1));
  kept.push(`${total - kept.length} more warnings not shown`);
  return kept;
}

/**
 * Joins items into "head: a, b, c" within the length limit, ending with "+N more" when they do not fit,
 * so a list never gets cut in the middle of a name. `total` counts items left out of `items` (the first few of a long list).
 */
export function packList(head: string, items: readonly string[], max = maxWarningLength, total = items.length): string {
  let out = `${head}: `;
  for (let i = 0; i < items.length; i++) {
    const sep = i === 0 ? '' : ', ';
    const rest = total - i - 1;
    const tail = rest > 0 ? `, +${rest} more` : '';
    if ((out + sep + items[i] + tail).length > max) {
      const more = `${i === 0 ? '' : ', '}+${total - i} more`;
      return truncate(out + more, max);
    }
    out += sep + items[i];
  }
  return total > items.length ? truncate(`${out}, +${total - items.length} more`, max) : out;
}
