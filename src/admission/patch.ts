import type { Default } from '../resources/kind.js';
import { isPlainObject, setOwn } from '../rules/values.js';

// RFC 6902 patches that only add what is absent, with RFC 6901 pointers: "dedicated/egress" is "dedicated~1egress".
// Computed from the object as it arrived: nothing is cloned or written on the review's hot path.

export interface AddOp {
  op: 'add';
  path: string;
  value: unknown;
}

export function escapeSegment(segment: string): string {
  // Most segments (field names) have neither character.
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

const unescapeSegment = (s: string) => (s.includes('~') ? s.replace(/~1/g, '/').replace(/~0/g, '~') : s);

export function pointer(segments: readonly string[]): string {
  let out = '';
  for (const s of segments) out += `/${escapeSegment(s)}`;
  return out;
}

/**
 * A copy of a JSON value (defaults come from flags and the code, so they are JSON): a default is never shared
 * between answers. Cheaper than structuredClone on what defaults are, a string or a small map.
 */
function copyJSON(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJSON);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) setOwn(out, k, copyJSON((value as Record<string, unknown>)[k]));
  return out;
}

function nest(segments: readonly string[], value: unknown): unknown {
  let nested: unknown = copyJSON(value);
  for (let j = segments.length - 1; j >= 0; j--) {
    const wrap: Record<string, unknown> = {};
    setOwn(wrap, segments[j]!, nested);
    nested = wrap;
  }
  return nested;
}

/**
 * The add operations that fill each default where the object has nothing, creating missing parents in the same
 * operation. A present value is left alone (never rewrite what the user wrote), nothing is written below a
 * non-object, and a default under a parent that an earlier default creates joins that operation's value.
 */
export function patchFor(object: unknown, defaults: readonly Default[]): AddOp[] {
  const ops: { op: AddOp; segments: readonly string[] }[] = [];
  for (const d of defaults) {
    const earlier = ops.find((o) => o.segments.length < d.path.length && o.segments.every((s, i) => d.path[i] === s));
    if (earlier) {
      // Inside a value this patch creates: that value is ours to extend.
      let cur = earlier.op.value as Record<string, unknown>;
      const rest = d.path.slice(earlier.segments.length);
      for (let i = 0; i < rest.length; i++) {
        const seg = rest[i]!;
        const next = cur[seg];
        if (next === undefined) {
          setOwn(cur, seg, nest(rest.slice(i + 1), d.value));
          break;
        }
        if (i === rest.length - 1 || !isPlainObject(next)) break;
        cur = next;
      }
      continue;
    }
    let cur: unknown = object;
    for (let i = 0; i < d.path.length; i++) {
      if (!isPlainObject(cur)) break;
      const seg = d.path[i]!;
      const next = cur[seg];
      if (next === undefined) {
        const segments = d.path.slice(0, i + 1);
        ops.push({ op: { op: 'add', path: pointer(segments), value: nest(d.path.slice(i + 1), d.value) }, segments });
        break;
      }
      cur = next;
    }
  }
  return ops.map((o) => o.op);
}

/** The object with the operations applied, copying only the objects on their paths (the input is not changed). */
export function applyAdds(object: Record<string, unknown>, ops: readonly AddOp[]): Record<string, unknown> {
  const root = { ...object };
  for (const op of ops) {
    const segments = op.path.split('/').slice(1).map(unescapeSegment);
    let cur = root;
    for (let i = 0; i < segments.length - 1; i++) {
      const copy = { ...(cur[segments[i]!] as Record<string, unknown>) };
      setOwn(cur, segments[i]!, copy);
      cur = copy;
    }
    setOwn(cur, segments[segments.length - 1]!, copyJSON(op.value));
  }
  return root;
}
