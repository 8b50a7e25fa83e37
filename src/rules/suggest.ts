import { distance } from 'fastest-levenshtein';

/**
 * Candidates an operator most likely meant: an exact match ignoring case first, then the closest by
 * edit distance, within a third of the word's length (at least 2), or any candidate that one of the
 * two contains (VirtualIP → VirtualIPAddress). Only the first `considered` candidates are looked at.
 */
export function closest(input: string, candidates: Iterable<string>, max = 3, considered = Infinity): string[] {
  if (max < 1) return [];
  const lower = input.toLowerCase();
  // The best `max` so far, best first: kept in order as they come, with no list of every candidate to sort.
  const best: { c: string; d: number }[] = [];
  const before = (a: { c: string; d: number }, b: { c: string; d: number }) => a.d < b.d || (a.d === b.d && a.c.localeCompare(b.c) < 0);
  let seen = 0;
  for (const c of candidates) {
    if (seen++ >= considered) break;
    if (c === input) continue;
    const cl = c.toLowerCase();
    if (cl === lower) return [c];
    const limit = Math.max(2, Math.floor(Math.max(input.length, c.length) / 3));
    const prefix = lower.length >= 4 && (cl.startsWith(lower) || lower.startsWith(cl));
    // The distance is at least the difference in length: a word that far off needs no distance computed.
    if (!prefix && Math.abs(lower.length - cl.length) > limit) continue;
    const d = distance(lower, cl);
    if (d > limit && !prefix) continue;
    const scored = { c, d: prefix ? Math.min(d, 1) : d };
    if (best.length === max && !before(scored, best[max - 1]!)) continue;
    let at = Math.min(best.length, max - 1);
    while (at > 0 && before(scored, best[at - 1]!)) at--;
    best.splice(at, 0, scored);
    if (best.length > max) best.pop();
  }
  return best.map((s) => s.c);
}

/** `did you mean "x"?`, `did you mean "x" or "y"?`, or '' when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>, considered = Infinity): string {
  const found = closest(input, candidates, 3, considered);
  if (found.length === 0) return '';
  return `did you mean ${found.map((f) => JSON.stringify(f)).join(' or ')}?`;
}

export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}
