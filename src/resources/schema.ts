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

const noProperties: Record<string, SchemaNode> = Object.freeze({});

/** How a value hangs from its parent: a field of the schema, an array item, or a map key (printed as [key]). */
const enum Step {
  Field,
  Item,
  Key,
}

/**
 * Checks a value against the schema in the order a JSON Schema validator reports with all errors (type first; for
 * an object the missing required fields, the unknown ones in the object's order, then the known ones in the
 * schema's order; array items in order), so the first errors shown are the ones they were. Each error is built
 * only while the rule has room for it and counted after that, and the path to a value is kept as a stack of
 * steps, made into a FieldPath only for an error: the work is one pass over the object, whatever it holds.
 */
class Walk {
  private readonly steps: (string | number)[] = [];
  private readonly hows: Step[] = [];

  constructor(
    private readonly unknownFields: UnknownFields,
    private readonly f: Findings,
  ) {}

  /** The path of the value the stack points at; the root object's own is "" (as the field errors print it). */
  private path(): FieldPath {
    if (this.steps.length === 0) return FieldPath.root('');
    let p = FieldPath.root(String(this.steps[0]));
    for (let i = 1; i < this.steps.length; i++) {
      const step = this.steps[i]!;
      p = this.hows[i] === Step.Item ? p.index(step as number) : this.hows[i] === Step.Key ? p.key(String(step)) : p.child(String(step));
    }
    return p;
  }

  /** The path of a field of the object the stack points at. */
  private field(name: string): FieldPath {
    return this.steps.length === 0 ? FieldPath.root(name) : this.path().child(name);
  }

  private descend(node: SchemaNode, value: unknown, how: Step, step: string | number): void {
    this.steps.push(step);
    this.hows.push(how);
    this.check(node, value);
    this.steps.pop();
    this.hows.pop();
  }

  check(node: SchemaNode, value: unknown): void {
    const f = this.f;
    if (node.type !== undefined && !typeHolds(node.type, value)) {
      const type = node.type;
      f.errorsOf('schema-type', 1, () => invalid(this.path(), jsonType(value), typeMismatch(type, value)));
      return;
    }
    if (isPlainObject(value)) {
      if (node.required) {
        for (const name of node.required) if (value[name] === undefined && f.keepsError('schema-required')) f.error('schema-required', required(this.field(name)));
      }
      const known = node.properties ?? noProperties;
      const extra = node.additionalProperties;
      if (extra !== undefined && extra !== true && (extra !== false || this.unknownFields !== 'ignore')) {
        const names = Object.keys(value);
        if (extra === false) {
          // Once the rule's room is used up the rest are only counted: a crafted object of 250,000 unknown
          // fields costs one listing of its keys, not a call per key.
          const deny = this.unknownFields === 'deny';
          let room = deny ? f.errorRoom('schema-unknown-field') : f.warningRoom('schema-unknown-field');
          let unbuilt = 0;
          for (let i = 0; i < names.length; i++) {
            const name = names[i]!;
            if (Object.hasOwn(known, name)) continue;
            if (room > 0) {
              this.unknownField(known, name);
              room--;
            } else unbuilt++;
          }
          if (unbuilt > 0) {
            if (deny) f.errorsUnbuilt('schema-unknown-field', unbuilt);
            else f.warnUnbuilt('schema-unknown-field', unbuilt);
          }
        } else {
          for (let i = 0; i < names.length; i++) {
            const name = names[i]!;
            if (!Object.hasOwn(known, name)) this.descend(extra, value[name], Step.Key, name);
          }
        }
      }
      for (const name in known) {
        const v = value[name];
        if (v !== undefined) this.descend(known[name]!, v, Step.Field, name);
      }
      return;
    }
    if (Array.isArray(value) && node.items) {
      for (let i = 0; i < value.length; i++) this.descend(node.items, value[i], Step.Item, i);
    }
  }

  private unknownField(known: Record<string, SchemaNode>, name: string): void {
    const f = this.f;
    const detail = () => {
      const names = Object.keys(known);
      return `unknown field; ${didYouMean(name, names) || `known fields: ${quoteList(names)}`}`;
    };
    if (this.unknownFields === 'deny') {
      f.errorsOf('schema-unknown-field', 1, () => forbidden(this.field(name), detail()));
    } else if (f.warningRoom('schema-unknown-field') > 0) {
      const path = this.field(name);
      f.warn('schema-unknown-field', `${path}: ${detail()}`, path);
    } else {
      f.warnUnbuilt('schema-unknown-field', 1);
    }
  }
}

export function structuralChecker(schema: SchemaNode): StructuralChecker {
  return {
    check(object, unknownFields, f) {
      new Walk(unknownFields, f).check(schema, object);
    },
  };
}

/** The detail of a schema-type error. kubectl reads YAML 1.1: an unquoted on, off, yes, no, y or n is a boolean. */
export function typeMismatch(type: string, value: unknown): string {
  const hint = type === 'string' && typeof value === 'boolean' ? '; YAML reads unquoted on, off, yes, no, y, n, true and false as booleans: quote the value' : '';
  return `must be of type ${type}${hint}`;
}
