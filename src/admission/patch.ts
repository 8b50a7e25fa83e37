import { isPlainObject, setOwn } from '../rules/values.js';

// RFC 6902 patches that only add what is absent, with RFC 6901 pointers: "dedicated/egress" is "dedicated~1egress".

export interface AddOp {
  op: 'add';
  path: string;
  value: unknown;
}

export function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(segments: readonly string[]): string {
  return segments.map((s) => `/${escapeSegment(s)}`).join('');
}

/**
 * Sets `value` at `segments` in `target` when nothing is there, creating missing parents in the same
 * operation. Leaves a present value alone (never rewrite what the user wrote) and never writes below a
 * non-object. Mutates `target` so later calls see earlier ones; returns the operation, if any.
 */
export function addIfAbsent(target: Record<string, unknown>, segments: readonly string[], value: unknown): AddOp | undefined {
  let cur: Record<string, unknown> = target;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = cur[seg];
    if (next === undefined) {
      let nested: unknown = structuredClone(value);
      for (let j = segments.length - 1; j > i; j--) nested = { [segments[j]!]: nested };
      setOwn(cur, seg, nested);
      return { op: 'add', path: pointer(segments.slice(0, i + 1)), value: structuredClone(nested) };
    }
    if (i === segments.length - 1 || !isPlainObject(next)) return undefined;
    cur = next;
  }
  return undefined;
}
