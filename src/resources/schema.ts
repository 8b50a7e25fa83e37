import { forbidden, invalid, required } from '../rules/field.js';
import type { Findings } from '../rules/findings.js';
import { FieldPath } from '../rules/path.js';
import { didYouMean, quoteList } from '../rules/suggest.js';
import { isPlainObject } from '../rules/values.js';

// Structure of each resource (types, required fields, unknown fields) from a small JSON Schema subset (type,
// properties, additionalProperties, items, required), checked by one walk that words its errors as kubectl
// prints field errors.

export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  required?: string[];
}

/** A resource with a required spec of these fields; other fields of the spec are unknown (typos). */
export function resourceSchema(specProperties: Record<string, SchemaNode>, requiredInSpec: string[]): SchemaNode {
  return {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: { type: 'object', additionalProperties: false, required: requiredInSpec, properties: specProperties },
    },
  };
}

/** What unknown fields get: an error, a warning, or no look at all (a scan for other rules only). */
export type UnknownFields = 'deny' | 'warn' | 'ignore';

export interface StructuralChecker {
  /** Errors for wrong types and missing fields; unknown fields as errors or warnings as configured. */
  check(object: unknown, unknownFields: UnknownFields, f: Findings): void;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v;
}

function typeHolds(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'null':
      return v === null;
    default:
      return typeof v === type;
  }
}

/** How a value hangs from its parent: a field of the schema, an array item, or a map key (printed as [key]). */
const enum Step {
  Field,
  Item,
  Key,
}

function pathTo(parent: FieldPath | undefined, how: Step, step: string | number): FieldPath {
  if (!parent) return FieldPath.root(String(step));
  return how === Step.Item ? parent.index(step as number) : how === Step.Key ? parent.key(String(step)) : parent.child(String(step));
}

/**
 * Checks a value against the schema in the order a JSON Schema validator reports with all errors (type first; for
 * an object the missing required fields, the unknown ones in the object's order, then the known ones in the
 * schema's order; array items in order), so the first errors shown are the ones they were. Each error is built
 * only while the rule has room for it and counted after that, and a path is made only for a field that has an
 * error or children: the work is one pass over the object, whatever it holds.
 */
function walk(
  node: SchemaNode,
  value: unknown,
  parent: FieldPath | undefined,
  how: Step,
  step: string | number,
  unknownFields: UnknownFields,
  f: Findings,
): void {
  if (node.type !== undefined && !typeHolds(node.type, value)) {
    const type = node.type;
    f.errorsOf('schema-type', 1, () => invalid(parent === undefined && step === '' ? FieldPath.root('') : pathTo(parent, how, step), jsonType(value), `must be of type ${type}`));
    return;
  }
  if (isPlainObject(value)) {
    const here = parent === undefined && step === '' ? undefined : pathTo(parent, how, step);
    const at = (name: string) => (here ? here.child(name) : FieldPath.root(name));
    for (const name of node.required ?? []) {
      if (value[name] === undefined) f.errorsOf('schema-required', 1, () => required(at(name)));
    }
    const known = node.properties ?? {};
    const extra = node.additionalProperties;
    if (extra !== undefined && extra !== true && (extra !== false || unknownFields !== 'ignore')) {
      for (const name in value) {
        if (!Object.hasOwn(value, name) || Object.hasOwn(known, name)) continue;
        if (extra === false) unknownField(Object.keys(known), at(name), name, unknownFields, f);
        else walk(extra, value[name], here, Step.Key, name, unknownFields, f);
      }
    }
    for (const name of Object.keys(known)) {
      const v = value[name];
      if (v !== undefined) walk(known[name]!, v, here, Step.Field, name, unknownFields, f);
    }
    return;
  }
  if (Array.isArray(value) && node.items) {
    const here = pathTo(parent, how, step);
    for (let i = 0; i < value.length; i++) walk(node.items, value[i], here, Step.Item, i, unknownFields, f);
  }
}

function unknownField(known: string[], path: FieldPath, name: string, unknownFields: UnknownFields, f: Findings): void {
  const detail = () => `unknown field; ${didYouMean(name, known) || `known fields: ${quoteList(known)}`}`;
  if (unknownFields === 'deny') {
    f.errorsOf('schema-unknown-field', 1, () => forbidden(path, detail()));
  } else if (f.warningRoom('schema-unknown-field') > 0) {
    f.warn('schema-unknown-field', `${path}: ${detail()}`, path);
  } else {
    f.warnUnbuilt('schema-unknown-field', 1);
  }
}

export function structuralChecker(schema: SchemaNode): StructuralChecker {
  return {
    check(object, unknownFields, f) {
      walk(schema, object, undefined, Step.Field, '', unknownFields, f);
    },
  };
}
