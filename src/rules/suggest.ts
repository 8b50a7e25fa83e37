import { distance } from 'fastest-levenshtein';

/**
 * Candidates an operator most likely meant: an exact match ignoring case first, then the closest by
 * edit distance, within a third of the word's length (at least 2), or any candidate that one of the
 * two contains (VirtualIP → VirtualIPAddress).
 */
export function closest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = input.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    if (c === input) continue;
    const cl = c.toLowerCase();
    if (cl === lower) return [c];
    const limit = Math.max(2, Math.floor(Math.max(input.length, c.length) / 3));
    const prefix = lower.length >= 4 && (cl.startsWith(lower) || lower.startsWith(cl));
    // The distance is at least the difference in length: a word that far off needs no distance computed.
    if (!prefix && Math.abs(lower.length - cl.length) > limit) continue;
    const d = distance(lower, cl);
    if (d <= limit || prefix) scored.push({ c, d: prefix ? Math.min(d, 1) : d });
  }
  scored.sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, max).map((s) => s.c);
}

/** `did you mean "x"?`, `did you mean "x" or "y"?`, or '' when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const found = closest(input, candidates);
  if (found.length === 0) return '';
  return `did you mean ${found.map((f) => JSON.stringify(f)).join(' or ')}?`;
}

/** The first `n` items. */
export function* firstOf<T>(items: Iterable<T>, n: number): Iterable<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}

export function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}
