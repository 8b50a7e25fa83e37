// Narrowing helpers for untyped JSON: rules read objects the schema may already have rejected.

/**
 * Sets an own property even for keys like "__proto__", which plain assignment would turn into a
 * prototype change: such keys arrive in JSON and must be validated, not acted on.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment is many times cheaper and safe for every other key (targets are fresh plain objects).
  if (key !== '__proto__') target[key] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getPath(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function stringAt(obj: unknown, ...keys: string[]): string | undefined {
  const v = getPath(obj, ...keys);
  return typeof v === 'string' ? v : undefined;
}

/** A map of strings, or undefined when absent or of another shape. */
export function stringMapAt(obj: unknown, ...keys: string[]): Record<string, string> | undefined {
  const v = getPath(obj, ...keys);
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') setOwn(out, k, val);
  return out;
}

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNull(value[i])) return true;
    return false;
  }
  if (!isPlainObject(value)) return false;
  for (const k in value) if (Object.hasOwn(value, k) && hasNull(value[k])) return true;
  return false;
}

function copyWithoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyWithoutNulls);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) setOwn(out, k, copyWithoutNulls(v));
  return out;
}

/**
 * The object without null-valued fields. The API server prunes nulls of non-nullable CRD fields before
 * admission, so a manifest checked offline must be read the same way. Returns the value itself when it has
 * no null (the common case: no copy on the hot path), so callers that modify the result must copy first.
 */
export function withoutNulls(value: unknown): unknown {
  return hasNull(value) ? copyWithoutNulls(value) : value;
}
