import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, type Tags, visit } from 'yaml';
import { isPlainObject } from '../rules/values.js';

// Reading Kubernetes manifests: multi-document YAML (JSON is YAML) and `kind: List` dumps, with the line of
// every object and of any field inside it.

export interface Manifest {
  object: Record<string, unknown>;
  /** 1-based line of the document (or List item) in its file. */
  line: number;
  /**
   * 1-based line of a field of this object, by its Kubernetes path (`spec.destinationCIDRs[1]`,
   * `spec.nodeSelector[dedicated/egress]`): the line of the deepest part of the path that exists, so a
   * missing field points at its parent. Without positions (the JSON fast path), the object's line.
   */
  fieldLine(path: string): number;
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

export interface ParseOptions {
  /**
   * Keep the parsed nodes of JSON documents too, for field lines (validate). Without it a JSON document
   * goes through JSON.parse, far cheaper for a large `kubectl get -o json` dump, and every field of it
   * reports the document's line.
   */
  positions?: boolean;
}

/**
 * kubectl reads YAML with go-yaml v2 (through sigs.k8s.io/yaml), which is YAML 1.1: `yes`, `on`, `y` are
 * booleans, `0777` is octal. Two 1.1 types it does not resolve for untyped values: timestamps stay strings
 * and base-60 numbers (`1:20`) are strings, so those tags are left out.
 */
const kubectlTags = (tags: Tags): Tags =>
  tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME'));

const yamlOptions = { version: '1.1', customTags: kubectlTags } as const;

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
  // Only the leading blank lines before the document count; they are few.
  let line = 1;
  for (let i = 0; i < text.length - trimmed.length; i++) if (text.charCodeAt(i) === 10) line++;
  return objects.map((object) => ({ object, line, fieldLine: () => line }));
}

/** `spec.a[0].b[dedicated/egress]` → ['spec', 'a', 0, 'b', 'dedicated/egress']. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) break;
      const inside = path.slice(i + 1, end);
      out.push(/^\d+$/.test(inside) ? Number(inside) : inside);
      i = end + 1;
    } else if (path[i] === '.') {
      i++;
    } else {
      let end = i;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      out.push(path.slice(i, end));
      i = end;
    }
  }
  return out;
}

/** The line of the deepest node on `path` below `root`: a map entry's key, a sequence item's start. */
function lineInTree(doc: Document, root: Node, path: string, lines: LineCounter, fallback: number): number {
  let node: unknown = root;
  let line = fallback;
  for (const seg of pathSegments(path)) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(seg));
      if (!pair) break;
      const at = (pair.key as Node | null)?.range?.[0] ?? (pair.value as Node | null)?.range?.[0];
      if (at !== undefined) line = lines.linePos(at).line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      if (item.range) line = lines.linePos(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

/**
 * The document as plain data. An alias inside the node it names would make a cyclic value that no walk of the
 * rules can finish (and that kubectl refuses); an alias bomb is stopped by the YAML library's alias count. Both are
 * ManifestErrors with a position, like any other unreadable YAML.
 */
function documentValue(doc: Document.Parsed, lines: LineCounter, mayHaveAliases: boolean): unknown {
  if (mayHaveAliases) {
    // One pass: anchors as they are defined (the latest wins, as YAML says), each alias checked against its
    // ancestors. Alias.resolve walks the whole document per alias: quadratic in the aliases.
    let recursive: Node | undefined;
    const anchors = new Map<string, unknown>();
    visit(doc, (_key, node, path) => {
      if (isAlias(node)) {
        const source = anchors.get(node.source);
        if (source !== undefined && path.includes(source as never)) {
          recursive = node;
          return visit.BREAK;
        }
      } else if (node && typeof node === 'object' && 'anchor' in node && typeof node.anchor === 'string') {
        anchors.set(node.anchor, node);
      }
      return undefined;
    });
    if (recursive) {
      const pos = lines.linePos(recursive.range?.[0] ?? 0);
      throw new ManifestError(`alias *${(recursive as { source?: string }).source ?? ''} is inside the node it refers to: a recursive alias has no value`, pos.line, pos.col);
    }
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const pos = lines.linePos((doc.contents as Node | null)?.range?.[0] ?? 0);
    const message = e instanceof Error ? e.message : String(e);
    throw new ManifestError(
      message.startsWith('Excessive alias count') ? 'its aliases expand too far (more than 100 times: an alias bomb?); write the repeated values out' : message,
      pos.line,
      pos.col,
    );
  }
}

/** Every object in the text, Lists flattened; throws ManifestError with a position for malformed YAML. */
export function parseManifests(text: string, opts: ParseOptions = {}): Manifest[] {
  if (!opts.positions) {
    const json = parseJSONManifests(text);
    if (json) return json;
  }
  const lines = new LineCounter();
  const out: Manifest[] = [];
  // Once for the text: per document it made 80,000 small documents take 37 s instead of 4.
  const mayHaveAliases = text.includes('*');
  for (const doc of parseAllDocuments(text, { ...yamlOptions, lineCounter: lines })) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      // The position is reported separately; drop the parser's own "at line N, column M:" suffix.
      const message = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(message, pos?.line ?? 0, pos?.col ?? 0);
    }
    const value = documentValue(doc, lines, mayHaveAliases);
    if (!isPlainObject(value)) continue;
    const contents = doc.contents as Node;
    const line = lines.linePos(contents.range?.[0] ?? 0).line;
    const items = value['items'];
    if (typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(items)) {
      const itemsPair = isMap(contents) ? contents.items.find((p) => isScalar(p.key) && p.key.value === 'items') : undefined;
      const nodes = isSeq(itemsPair?.value) ? itemsPair.value.items : [];
      items.forEach((item, i) => {
        if (!isPlainObject(item)) return;
        const node = nodes[i] as Node | undefined;
        const itemLine = node?.range ? lines.linePos(node.range[0]).line : line;
        out.push({ object: item, line: itemLine, fieldLine: (path) => (node ? lineInTree(doc, node, path, lines, itemLine) : itemLine) });
      });
    } else {
      out.push({ object: value, line, fieldLine: (path) => lineInTree(doc, contents, path, lines, line) });
    }
  }
  return out;
}
