import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { forbidden, invalid, required } from '../../src/rules/field.js';
import type { Findings } from '../../src/rules/findings.js';
import { FieldPath } from '../../src/rules/path.js';
import { didYouMean, quoteList } from '../../src/rules/suggest.js';
import { isPlainObject } from '../../src/rules/values.js';
import { type SchemaNode, type StructuralChecker, typeMismatch } from '../../src/resources/schema.js';

// The structural check as it was built on ajv (allErrors), kept as the oracle the property test holds the
// one-walk check in src/resources/schema.ts to: same errors, same order, same words.

const ajv = new Ajv({ allErrors: true, strict: true });

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v;
}

function unescapeSegment(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Walks a JSON pointer along the schema, printing map keys as [key] and array items as [i]. */
function resolve(root: SchemaNode, pointer: string): { path: FieldPath | undefined; node: SchemaNode | undefined } {
  let path: FieldPath | undefined;
  let node: SchemaNode | undefined = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescapeSegment(raw);
    if (node?.type === 'array') {
      path = path!.index(Number(seg));
      node = node.items;
    } else if (node?.properties && seg in node.properties) {
      path = path ? path.child(seg) : FieldPath.root(seg);
      node = node.properties[seg];
    } else {
      path = path ? path.key(seg) : FieldPath.root(seg);
      node = isPlainObject(node?.additionalProperties) ? (node.additionalProperties as SchemaNode) : undefined;
    }
  }
  return { path, node };
}

function valueAt(object: unknown, pointer: string): unknown {
  let cur = object;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[unescapeSegment(raw)];
  }
  return cur;
}

export function ajvStructuralChecker(schema: SchemaNode): StructuralChecker {
  // Compiled on first use, not at import: a command that checks one kind, or none, does not pay for the others.
  let compiled: ValidateFunction | undefined;
  return {
    check(object, unknownFields, f) {
      const validate = (compiled ??= ajv.compile(schema));
      if (validate(object)) return;
      for (const e of validate.errors as ErrorObject[]) {
        const { path, node } = resolve(schema, e.instancePath);
        const at = (name: string) => (path ? path.child(name) : FieldPath.root(name));
        const here = path ?? FieldPath.root('');
        switch (e.keyword) {
          case 'required':
            f.error('schema-required', required(at(String(e.params['missingProperty']))));
            break;
          case 'additionalProperties': {
            const name = String(e.params['additionalProperty']);
            const known = Object.keys(node?.properties ?? {});
            const hint = didYouMean(name, known);
            const detail = `unknown field; ${hint || `known fields: ${quoteList(known)}`}`;
            if (unknownFields === 'deny') f.error('schema-unknown-field', forbidden(at(name), detail));
            else f.warn('schema-unknown-field', `${at(name)}: ${detail}`, at(name));
            break;
          }
          case 'type':
            f.error('schema-type', invalid(here, jsonType(valueAt(object, e.instancePath)), typeMismatch(String(e.params['type']), valueAt(object, e.instancePath))));
            break;
          default:
            // Only type, required and additionalProperties are used by these schemas; kept so nothing is lost.
            f.error('schema-type', invalid(here, valueAt(object, e.instancePath), e.message ?? 'does not match the schema'));
        }
      }
    },
  };
}
