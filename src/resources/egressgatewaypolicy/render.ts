import { parseDocument } from 'yaml';
import { getPath, isPlainObject, stringAt } from '../../rules/values.js';

// The CiliumEgressGatewayPolicy the platform renders from an EgressGatewayPolicy and its EgressGateway (the module
// template templates/egress-policy/cilium-egress-policies.yaml of Deckhouse's cni-cilium), as the API server will
// see it: what the template writes as null is dropped (the API server prunes nulls of non-nullable fields before it
// checks `required`), and the two gateway scalars it writes unquoted are read back the way YAML 1.1 reads them.

/** The gateway fields the template reads. */
export interface RenderedGateway {
  name: string;
  mode?: string | undefined;
  /** spec.sourceIP.virtualIPAddress.ip as written. */
  ip?: string | undefined;
  /** spec.sourceIP.primaryIPFromEgressGatewayNodeInterface.interfaceName as written. */
  interfaceName?: string | undefined;
}

export const activeNodeLabelPrefix = 'egress-gateway.network.deckhouse.io/active-for-';
/** The name part of a label key is at most 63 characters, and "active-for-" takes 11 of them. */
export const maxGatewayNameLength = 63 - 'active-for-'.length;
/** The helm_lib_module_labels every object of the module gets. */
const moduleLabels = { heritage: 'deckhouse', module: 'cni-cilium' };

export function renderedName(policyName: string): string {
  return `d8.${policyName}`;
}

// go-yaml (YAML 1.1) resolution of a plain scalar, for the template's unquoted `egressIP:` and `interface:` values.
const yamlWords = new Map<string, unknown>([
  ...['', '~', 'null', 'Null', 'NULL'].map((w): [string, unknown] => [w, null]),
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((w): [string, unknown] => [w, true]),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((w): [string, unknown] => [w, false]),
]);
// go-yaml v2 reads a plain scalar that starts with a digit or a sign by removing every "_" and then trying Go's
// strconv.ParseInt(s, 0, 64) (0b, 0o, 0x in either case, a leading 0 for octal), ParseUint, and its float pattern.
const goIntSyntax = /^([-+]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
const goYAMLFloat = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** `.inf`, `.nan` and the like: words of go-yaml's table. */
const yamlSpecialFloat = /^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/;
const int64Max = (1n << 63n) - 1n;
const uint64Max = (1n << 64n) - 1n;

/** True when Go's ParseInt (base 0, 64 bits) or ParseUint would read the text. */
function goReadsInteger(plain: string): boolean {
  const m = goIntSyntax.exec(plain);
  if (!m) return false;
  const [, sign, digits] = m as unknown as [string, string, string];
  const p = digits.slice(0, 2).toLowerCase();
  const magnitude = p === '0b' || p === '0o' || p === '0x' ? BigInt(`${p}${digits.slice(2)}`) : digits.length > 1 && digits[0] === '0' ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  return sign === '-' ? magnitude <= int64Max + 1n : magnitude <= (sign === '' ? uint64Max : int64Max);
}

/** A value the template writes unquoted that YAML cannot read at all: the whole rendered manifest fails to parse. */
export class UnreadableYAML {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `<not readable as YAML: ${this.text}>`;
  }
}

// Text that is not a plain word to YAML: an indicator first (flow collections, anchors, aliases, tags, quotes, block
// scalars, comments, directives), or a ": " or " #" inside, or white space at either end. Rare, so parsed only then.
const notPlain = /^[[\]{},#&*!|>'"%@`]|^[-?:](?:\s|$)|: |\s#|^\s|\s$/;

/**
 * Longest text read as YAML. The two fields the template writes unquoted (an IP, an interface name) are valid at
 * under 50 characters, and have their own error when longer; the YAML parser's work on a flow map grows with the
 * square of its keys (16,000 keys: 5 s).
 */
const maxYAMLScalar = 256;

/** What YAML 1.1 reads for `key: <text>` written without quotes: usually the text itself. */
export function plainScalar(text: string): unknown {
  if (notPlain.test(text)) {
    if (text.length > maxYAMLScalar) return new UnreadableYAML(text);
    // Anything YAML warns about (an unknown tag, say) counts as unreadable: go-yaml is stricter than this parser.
    const doc = parseDocument(`v: ${text}\n`, { version: '1.1', logLevel: 'silent' });
    if (doc.errors.length > 0 || doc.warnings.length > 0) return new UnreadableYAML(text);
    try {
      const read = (doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown> | null)?.['v'];
      // A name that reads as nothing (an anchor alone) would silently drop the field from the render.
      return read === undefined || read === null ? new UnreadableYAML(text) : read;
    } catch {
      return new UnreadableYAML(text); // an alias with no anchor
    }
  }
  const word = yamlWords.get(text);
  if (word !== undefined || yamlWords.has(text)) return word;
  const c = text.charCodeAt(0);
  // Only the type matters to the schema; the number itself is approximate (octal, binary).
  if ((c >= 48 && c <= 57) || c === 43 || c === 45) {
    // Numbers start with a digit or a sign; names such as eth1 never do.
    const plain = text.includes('_') ? text.replace(/_/g, '') : text;
    if (goReadsInteger(plain) || yamlSpecialFloat.test(text)) return Number(plain) || 0;
    // ParseFloat fails on an overflow (1e400), and go-yaml then keeps the text.
    if (goYAMLFloat.test(plain) && Number.isFinite(Number(plain))) return Number(plain);
  } else if (c === 46) {
    // A dot: go-yaml's words (.inf, .nan), else Go's ParseFloat of the text as written.
    if (yamlSpecialFloat.test(text)) return Number(text) || 0;
    if (goYAMLFloat.test(text) && Number.isFinite(Number(text))) return Number(text);
  }
  return text;
}

/** Go template truth (`{{ if }}`): false for nil, false, 0, "" and empty lists and maps. */
function helmTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/** Sets key to value unless the API server would drop it (null or absent). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== null && value !== undefined) target[key] = value;
}

/** The gateway part: the active node's label, and egressIP in virtual-IP mode, else interface. */
export function renderGateway(gateway: RenderedGateway): Record<string, unknown> {
  const egressGateway: Record<string, unknown> = { nodeSelector: { matchLabels: { [`${activeNodeLabelPrefix}${gateway.name}`]: '' } } };
  if (gateway.mode === 'VirtualIPAddress') put(egressGateway, 'egressIP', plainScalar(gateway.ip ?? ''));
  else put(egressGateway, 'interface', plainScalar(gateway.interfaceName ?? ''));
  return egressGateway;
}

/** The gateway fields the template reads, from an EgressGateway object. */
export function gatewayForRender(name: string, gateway: unknown): RenderedGateway {
  return {
    name,
    mode: stringAt(gateway, 'spec', 'sourceIP', 'mode'),
    ip: stringAt(gateway, 'spec', 'sourceIP', 'virtualIPAddress', 'ip'),
    interfaceName: stringAt(gateway, 'spec', 'sourceIP', 'primaryIPFromEgressGatewayNodeInterface', 'interfaceName'),
  };
}

/**
 * The rendered object. selectors and destinationCIDRs are copied verbatim (an absent one is written as null and
 * dropped), excludedCIDRs only when non-empty.
 */
export function renderPolicy(policyName: string, policy: unknown, egressGateway: Record<string, unknown>): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  put(spec, 'selectors', getPath(policy, 'spec', 'selectors'));
  put(spec, 'destinationCIDRs', getPath(policy, 'spec', 'destinationCIDRs'));
  const excluded = getPath(policy, 'spec', 'excludedCIDRs');
  if (helmTruthy(excluded)) spec['excludedCIDRs'] = excluded;
  spec['egressGateway'] = egressGateway;
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumEgressGatewayPolicy', metadata: { name: renderedName(policyName), labels: moduleLabels }, spec };
}
