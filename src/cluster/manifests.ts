import { parseAllDocuments } from 'yaml';
import { isPlainObject } from '../rules/values.js';

// Reading Kubernetes manifests: multi-document YAML (JSON is YAML) and `kind: List` dumps.

export interface Manifest {
  object: Record<string, unknown>;
  /** 1-based line of the document (or List item) in its file. */
  line: number;
}

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A JSON document (kubectl get -o json): JSON.parse is far cheaper than a YAML parse of a large dump. */
function parseJSONManifests(text: string): Manifest[] | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined; // let the YAML parser report it, with its position
  }
  if (!isPlainObject(value)) return undefined;
  const items = value['items'];
  const isList = typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(items);
  const objects = isList ? (items as unknown[]).filter(isPlainObject) : [value];
  // JSON dumps have no useful line per item; the document's line stands for all.
  const line = lineOf(text, text.length - trimmed.length);
  return objects.map((object) => ({ object, line }));
}

/** Every object in the text, Lists flattened; throws ManifestError with a position for malformed YAML. */
export function parseManifests(text: string): Manifest[] {
  const json = parseJSONManifests(text);
  if (json) return json;
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      // The position is reported separately; drop the parser's own "at line N, column M:" suffix.
      const message = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(message, pos?.line ?? 0, pos?.col ?? 0);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (!isPlainObject(value)) continue;
    const line = lineOf(text, doc.contents?.range?.[0] ?? 0);
    const items = value['items'];
    if (typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(items)) {
      const nodes = (doc.contents as { get?: (k: string, keep: boolean) => unknown }).get?.('items', true) as
        | { items?: { range?: [number, number, number] }[] }
        | undefined;
      items.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const offset = nodes?.items?.[i]?.range?.[0];
        out.push({ object: item, line: offset === undefined ? line : lineOf(text, offset) });
      });
    } else {
      out.push({ object: value, line });
    }
  }
  return out;
}
