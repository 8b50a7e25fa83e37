import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type InstalledSchema, schemaFromCRD } from '../../cluster/cilium-crd.js';
import type { ClusterState, GatewayInfo } from '../../cluster/state.js';
import { ellipsis, type FieldError, invalid, required } from '../../rules/field.js';
import type { Findings } from '../../rules/findings.js';
import { mappedIPv4 } from '../../rules/address.js';
import { parseCIDR, parseIP } from '../../rules/ip.js';
import { FieldPath } from '../../rules/path.js';
import { quoteList } from '../../rules/suggest.js';
import { isPlainObject } from '../../rules/values.js';
import { bundledCiliumPolicyCRD, bundledCiliumVersion } from './bundled-cilium-crd.js';
import { activeNodeLabelPrefix, type RenderedGateway, renderedName, renderGateway, renderPolicy, UnreadableYAML } from './render.js';

// The render check: the CiliumEgressGatewayPolicy the platform renders must pass the CRD schema the cluster has
// (SPEC §1a). Each failure is reported on the field the user wrote, with the schema that refuses it. The schema is
// compiled once per CRD version (the state hands out one object per resourceVersion), never per review.

// Kubernetes validates only the formats it knows, as kube-openapi's strfmt does with govalidator: ipv4 is an address
// Go's net.ParseIP reads and that contains a dot (so "::ffff:10.0.0.1" counts), ipv6 one with a colon, cidr one
// net.ParseCIDR reads. Every other format is ignored, as the API server ignores it (ajv-formats would differ).
const formats = {
  ipv4: (s: string) => s.includes('.') && parseIP(s) !== undefined,
  ipv6: (s: string) => s.includes(':') && parseIP(s) !== undefined,
  cidr: (s: string) => parseCIDR(s).kind === 'cidr',
};
// strict off: CRD schemas carry x-kubernetes-* keywords and formats ajv does not know, which the API server ignores too.
const ajv = new Ajv({ allErrors: true, strict: false, logger: false, formats });

const bundled = schemaFromCRD(bundledCiliumPolicyCRD, 'bundled')!;
/** Per schema object (one per CRD version): its validator, or null when ajv cannot compile it. */
const compiled = new WeakMap<InstalledSchema, ValidateFunction | null>();

/** Compiled without ajv keeping the schema in its own cache, which would outlive the CRD version (WeakMap above). */
function compile(schema: unknown): ValidateFunction {
  try {
    return ajv.compile(schema as Record<string, unknown>);
  } finally {
    ajv.removeSchema(schema as Record<string, unknown>);
  }
}

function validatorFor(schema: InstalledSchema): ValidateFunction | null {
  let v = compiled.get(schema);
  if (v === undefined) {
    try {
      v = compile(schema.openAPIV3Schema);
    } catch {
      // E.g. a Go (RE2) pattern JavaScript does not read: better the bundled schema than no answer.
      v = null;
    }
    compiled.set(schema, v);
  }
  return v;
}

/** Per schema and CIDR list: a validator of one entry (the list's `items`), or null when the schema has none. */
const itemValidators = new WeakMap<InstalledSchema, Partial<Record<string, ValidateFunction | null>>>();
function itemValidatorFor(schema: InstalledSchema, list: string): ValidateFunction | null {
  let perList = itemValidators.get(schema);
  if (!perList) itemValidators.set(schema, (perList = {}));
  let v = perList[list];
  if (v === undefined) {
    const items = valueAt(schema.openAPIV3Schema, ['properties', 'spec', 'properties', list, 'items']);
    try {
      v = items !== null && typeof items === 'object' ? compile(items) : null;
    } catch {
      v = null;
    }
    perList[list] = v;
  }
  return v;
}

/** The schema the render check uses for this state: the cluster's CRD when known and compilable, else the bundled one. */
export function renderSchema(state: ClusterState): InstalledSchema {
  const own = state.ciliumPolicySchema();
  return own && validatorFor(own) ? own : bundled;
}

function schemaLabel(schema: InstalledSchema): string {
  return schema.origin === 'bundled'
    ? `Cilium ${bundledCiliumVersion}'s CiliumEgressGatewayPolicy CRD (bundled with Deckhouse)`
    : "the cluster's CiliumEgressGatewayPolicy CRD";
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Where an error is: the pointer's segments, with the missing property of a `required` error appended. */
function segmentsOf(e: ErrorObject): string[] {
  const segments = e.instancePath.split('/').slice(1).map(unescape);
  if (e.keyword === 'required') segments.push(String(e.params['missingProperty']));
  return segments;
}

function valueAt(object: unknown, segments: readonly string[]): unknown {
  let cur = object;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

/** The field path of spec segments as kubectl prints it: list items as [i], map keys as [key]. */
function fieldPath(object: unknown, segments: readonly string[]): FieldPath {
  let path = FieldPath.root(segments[0]!);
  let cur = valueAt(object, segments.slice(0, 1));
  let parent = segments[0]!;
  for (const s of segments.slice(1)) {
    // matchLabels is a map: its keys print as [key], as the label rules print them (one field, one name).
    path = Array.isArray(cur) ? path.index(Number(s)) : parent === 'matchLabels' ? path.key(s) : path.child(s);
    parent = s;
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[s] : undefined;
  }
  return path;
}

/** Whether a CIDR pattern takes IPv4 but not IPv6 (so the reason can say so); once per pattern. */
const ipv4OnlyPatterns = new Map<string, boolean>();
function ipv4Only(pattern: string): boolean {
  let only = ipv4OnlyPatterns.get(pattern);
  if (only === undefined) {
    try {
      const re = new RegExp(pattern, 'u');
      only = re.test('10.0.0.0/8') && !re.test('2001:db8::/32');
    } catch {
      only = false;
    }
    // Bounded: a CRD has a handful of patterns, and versions come and go rarely.
    if (ipv4OnlyPatterns.size > 100) ipv4OnlyPatterns.clear();
    ipv4OnlyPatterns.set(pattern, only);
  }
  return only;
}
const short = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** Why the schema refuses a value, naming the schema. */
function reason(e: ErrorObject, value: unknown, label: string): string {
  switch (e.keyword) {
    case 'pattern': {
      const pattern = String(e.params['pattern']);
      // A colon: IPv6 (an invalid CIDR has its own error, and this one is then skipped).
      if (typeof value === 'string' && value.includes(':') && ipv4Only(pattern)) return `${label} takes IPv4 CIDRs only`;
      return `${label} wants a match for ${short(pattern)}`;
    }
    case 'format':
      return e.params['format'] === 'ipv4' ? `${label} takes an IPv4 address only` : `${label} wants format ${String(e.params['format'])}`;
    case 'type':
      if (value instanceof UnreadableYAML) return `the template writes this unquoted, and YAML cannot read it: the platform's render of every policy of this gateway fails`;
      return `${label} wants a ${String(e.params['type'])}${typeof value === 'string' ? '' : `, and the template writes this unquoted, which YAML reads as ${JSON.stringify(value)}`}`;
    case 'required':
      return `${label} requires it (the template writes an absent list as null, which the API server drops)`;
    default:
      return `${label} refuses it: ${e.message ?? e.keyword}`;
  }
}

function fieldError(path: FieldPath, e: ErrorObject, value: unknown, detail: string): FieldError {
  return e.keyword === 'required' ? required(path, detail) : invalid(path, value, detail);
}

const egressGatewayPath = ['spec', 'egressGateway'];
const underGateway = (segments: readonly string[]) => segments[0] === 'spec' && segments[1] === 'egressGateway';

/** The gateway as the state summarises it, for the render. */
function fromInfo(g: GatewayInfo): RenderedGateway {
  return { name: g.name, mode: g.mode, ip: g.ipText, interfaceName: g.interfaceName };
}

/**
 * The gateway part of the render, once per gateway summary (the state makes a new summary when a gateway changes):
 * every policy review naming the gateway renders the same part. Nothing changes a rendered object afterwards.
 */
const renderedGateways = new WeakMap<GatewayInfo, Record<string, unknown>>();
const noGateway = renderGateway({ name: '' });
function renderedGatewayOf(gateway: GatewayInfo | undefined): Record<string, unknown> {
  if (!gateway) return noGateway;
  let part = renderedGateways.get(gateway);
  if (!part) renderedGateways.set(gateway, (part = renderGateway(fromInfo(gateway))));
  return part;
}

/** The indexes of the CIDR entries the policy's own rules accept, per list. */
export interface AcceptedCIDRs {
  destinationCIDRs: readonly number[];
  excludedCIDRs: readonly number[];
}

const cidrLists = ['destinationCIDRs', 'excludedCIDRs'] as const;
/** The spec fields renderPolicy reads. */
const renderedFields = ['selectors', 'destinationCIDRs', 'excludedCIDRs'] as const;

/** Entries of one CIDR list that the whole-object schema check sees; the rest are checked one by one. */
const renderedEntries = 1000;

interface CutList {
  /** The index in the user's list of each rendered entry. */
  rendered: number[];
  /** Indexes of accepted, distinct entries past the first renderedEntries: checked against the list's item schema. */
  rest: number[];
}

/**
 * The policy with its CIDR lists cut to the distinct entries its own rules accept, at most renderedEntries each: an
 * entry those rules refuse has its own error already, a repeated one its warning, and a list of 100,000 entries must
 * not cost the schema 100,000 error objects to build.
 */
function cutLists(policy: unknown, accepted: AcceptedCIDRs): { policy: unknown; lists: Record<string, CutList>; rest: boolean } {
  const lists: Record<string, CutList> = {};
  const spec = valueAt(policy, ['spec']);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return { policy, lists, rest: false };
  const s = spec as Record<string, unknown>;
  // Lists replaced by their cut; most policies keep every entry, and are judged as written.
  const cuts: Record<string, unknown[]> = {};
  let cutAny = false;
  let rest = false;
  for (const list of cidrLists) {
    const entries = s[list];
    if (!Array.isArray(entries)) continue;
    const seen = new Set<unknown>();
    const c: CutList = { rendered: [], rest: [] };
    for (const i of accepted[list]) {
      if (seen.has(entries[i])) continue;
      seen.add(entries[i]);
      (c.rendered.length < renderedEntries ? c.rendered : c.rest).push(i);
    }
    lists[list] = c;
    rest ||= c.rest.length > 0;
    if (c.rendered.length !== entries.length) {
      cuts[list] = c.rendered.map((i) => entries[i]);
      cutAny = true;
    }
  }
  // Selectors the same way: the first renderedEntries in the whole object, the objects among the rest one by one
  // (an entry that is no object has the structure's error already).
  const selectors = s['selectors'];
  if (Array.isArray(selectors) && selectors.length > renderedEntries) {
    const restSelectors: number[] = [];
    for (let i = renderedEntries; i < selectors.length; i++) if (isPlainObject(selectors[i])) restSelectors.push(i);
    lists['selectors'] = { rendered: [...Array(renderedEntries).keys()], rest: restSelectors };
    rest ||= restSelectors.length > 0;
    cuts['selectors'] = selectors.slice(0, renderedEntries);
    cutAny = true;
  }
  if (!cutAny) return { policy, lists, rest };
  // Only the fields the render reads: a spec may hold 300,000 unknown fields, and listing them takes long.
  const cut: Record<string, unknown> = {};
  for (const field of renderedFields) if (Object.hasOwn(s, field)) cut[field] = cuts[field] ?? s[field];
  return { policy: { ...(policy as Record<string, unknown>), spec: cut }, lists, rest };
}

/**
 * A policy CREATE/UPDATE: the whole rendered object. Parts the policy wrote are reported on the policy's own field
 * (skipped where another rule already denies that field); parts from the gateway on spec.egressGatewayName.
 */
export function checkPolicyRender(
  policyName: string,
  policy: unknown,
  gateway: GatewayInfo | undefined,
  state: ClusterState,
  f: Findings,
  accepted?: AcceptedCIDRs,
): void {
  const schema = renderSchema(state);
  const validate = validatorFor(schema)!;
  const { policy: judged, lists, rest } = accepted ? cutLists(policy, accepted) : { policy, lists: {} as Record<string, CutList>, rest: false };
  const rendered = renderPolicy(policyName, judged, renderedGatewayOf(gateway));
  const valid = validate(rendered);
  // Most policies: rendered as a whole, and accepted.
  if (valid && !rest) return;
  const label = schemaLabel(schema);
  const refused = refusedAs(policyName);
  const denied = new Set(f.errors.map((e) => e.field));
  if (valid) {
    checkRest(policy, lists, schema, label, refused, f, denied);
    return;
  }
  const gatewayReasons: string[] = [];
  for (const e of validate.errors as ErrorObject[]) {
    if (f.errorRoom('cilium-render') === 0 && !underGateway(segmentsOf(e))) {
      f.errorsOf('cilium-render', 1, () => required(FieldPath.root('spec'), '')); // counted, not built: no room to show it
      continue;
    }
    const segments = segmentsOf(e);
    const value = valueAt(rendered, segments);
    if (underGateway(segments)) {
      // Without a known gateway the platform renders nothing; the missing gateway has its own error.
      if (gateway) gatewayReasons.push(`${segments.slice(2).join('.')} ${JSON.stringify(value)}: ${reason(e, value, label)}`);
      continue;
    }
    // A CIDR entry of a cut list is reported at its index in the list the user wrote.
    const cutList = segments[0] === 'spec' && segments.length > 2 ? lists[segments[1]!] : undefined;
    if (cutList) segments[2] = String(cutList.rendered[Number(segments[2])]);
    const path = segments[0] === 'metadata' ? FieldPath.root('metadata').child('name') : fieldPath(rendered, segments);
    if (denied.has(String(path))) continue;
    denied.add(String(path));
    f.error('cilium-render', fieldError(path, e, value, `${reason(e, value, label)}: ${refused}`));
  }
  if (gatewayReasons.length > 0) {
    const name = gateway!.name;
    f.error(
      'cilium-render',
      invalid(FieldPath.root('spec').child('egressGatewayName'), name, `from EgressGateway ${JSON.stringify(name)}, egressGateway.${gatewayReasons.join('; ')}: ${refused}`),
    );
  }
  checkRest(policy, lists, schema, label, refused, f, denied);
}

/** Accepted entries past what the whole-object check saw, one by one against the list's item schema. */
function checkRest(policy: unknown, lists: Record<string, CutList>, schema: InstalledSchema, label: string, refused: string, f: Findings, denied: Set<string>): void {
  for (const [list, c] of Object.entries(lists)) {
    if (c.rest.length === 0) continue;
    const item = itemValidatorFor(schema, list);
    if (!item) continue;
    const entries = valueAt(policy, ['spec', list]) as unknown[];
    if (list === 'selectors') {
      restSelectors(policy, entries, c.rest, item, label, refused, f, denied);
      continue;
    }
    const failing = c.rest.filter((i) => !item(entries[i]));
    const path = FieldPath.root('spec').child(list);
    f.errorsOf('cilium-render', failing.length, (k) => {
      const i = failing[k]!;
      item(entries[i]);
      const e = (item.errors as ErrorObject[])[0]!;
      return fieldError(path.index(i), e, entries[i], `${reason(e, entries[i], label)}: ${refused}`);
    });
  }
}

/** Selectors past the whole-object check: each error reported as the whole-object check reports it. */
function restSelectors(policy: unknown, entries: unknown[], rest: readonly number[], item: ValidateFunction, label: string, refused: string, f: Findings, denied: Set<string>): void {
  for (const i of rest) {
    if (item(entries[i])) continue;
    for (const e of item.errors as ErrorObject[]) {
      if (f.errorRoom('cilium-render') === 0) {
        f.errorsOf('cilium-render', 1, () => required(FieldPath.root('spec'), '')); // counted, not built
        continue;
      }
      const segments = ['spec', 'selectors', String(i), ...segmentsOf(e)];
      const value = valueAt(policy, segments);
      const path = fieldPath(policy, segments);
      if (denied.has(String(path))) continue;
      denied.add(String(path));
      f.error('cilium-render', fieldError(path, e, value, `${reason(e, value, label)}: ${refused}`));
    }
  }
}

// A stand-in for the policy part when a gateway is reviewed: only errors in the gateway part count.
const standInPolicy = { spec: { selectors: [{ podSelector: {} }], destinationCIDRs: ['0.0.0.0/0'] } };

/** The end of a policy's render errors. The name once, cut: it stands in every message, and an over-long one has its own error. */
const refusedAs = (policyName: string) => `the platform renders this policy as ${JSON.stringify(ellipsis(renderedName(policyName), 256))}, which would be refused`;

/** IPv6 text, and not an IPv4 address in IPv4-mapped form (whose own error gives the IPv4 fix). */
function ipv6Text(text: string): boolean {
  if (!text.includes(':')) return false;
  const slash = text.indexOf('/');
  const ip = parseIP(slash < 0 ? text : text.slice(0, slash));
  return !(ip && mappedIPv4(ip) !== undefined) && !text.includes('.');
}

const ipv4OnlySchemas = new WeakMap<InstalledSchema, boolean>();
/** Whether the schema refuses an IPv6 destination (Cilium 1.17's does): asked of its validator once per schema. */
function refusesIPv6(schema: InstalledSchema): boolean {
  let only = ipv4OnlySchemas.get(schema);
  if (only === undefined) {
    const probe = { spec: { selectors: [{ podSelector: {} }], destinationCIDRs: ['2001:db8::/32'] } };
    only = !validatorFor(schema)!(renderPolicy('p', probe, { nodeSelector: { matchLabels: { [`${activeNodeLabelPrefix}gw`]: '' } }, interface: 'eth1' }));
    ipv4OnlySchemas.set(schema, only);
  }
  return only;
}

/**
 * IPv6 entries of a CIDR list that the CIDR rules refused (a host bit set, no prefix): their fix is IPv6 too, and
 * under a CRD that takes IPv4 only the next answer would refuse it. Say so in the same answer.
 */
export function refusedFamilyOfInvalid(policyName: string, path: FieldPath, list: unknown, valid: readonly { index: number }[], state: ClusterState, f: Findings): void {
  if (!Array.isArray(list) || valid.length === list.length) return;
  // Most refused entries are IPv4: no schema lookup for them.
  if (!list.some((text) => typeof text === 'string' && text.includes(':'))) return;
  const schema = renderSchema(state);
  if (!refusesIPv6(schema)) return;
  const ok = new Set(valid.map((v) => v.index));
  const refused = refusedAs(policyName);
  list.forEach((text, i) => {
    if (typeof text !== 'string' || ok.has(i) || !ipv6Text(text)) return;
    if (f.keepsError('cilium-render')) f.error('cilium-render', invalid(path.index(i), text, `${schemaLabel(schema)} takes IPv4 CIDRs only: ${refused}`));
  });
}

/** Gateway fields the rendered egressGateway takes its values from. */
const gatewaySources: Record<string, FieldPath> = {
  egressIP: FieldPath.root('spec').child('sourceIP').child('virtualIPAddress').child('ip'),
  interface: FieldPath.root('spec').child('sourceIP').child('primaryIPFromEgressGatewayNodeInterface').child('interfaceName'),
};

/**
 * A gateway CREATE/UPDATE: the gateway's part of every policy the platform renders for it, reported on the
 * gateway's own field and naming the policies that use it.
 */
export function checkGatewayRender(gateway: RenderedGateway, state: ClusterState, f: Findings): void {
  const schema = renderSchema(state);
  const validate = validatorFor(schema)!;
  const egressGateway = renderGateway(gateway);
  // Made only for a message: most gateways render fine.
  const targetOf = () => {
    const users = state.policiesUsingGateway(gateway.name);
    const shown = users.slice(0, 5);
    return users.length === 0
      ? 'the CiliumEgressGatewayPolicy of every EgressGatewayPolicy naming this gateway'
      : `the CiliumEgressGatewayPolicy of EgressGatewayPolicy ${quoteList(shown)}${users.length > shown.length ? ` and ${users.length - shown.length} more` : ''}`;
  };
  const interfaceName = gateway.interfaceName;
  if (gateway.mode !== 'VirtualIPAddress' && interfaceName && (egressGateway['interface'] ?? '') === '') {
    // YAML reads the unquoted name as null or "": the render passes the CRD without an interface, and Cilium
    // then sends the traffic out of the default route's interface with its address, which nobody asked for.
    f.error(
      'cilium-render',
      invalid(
        gatewaySources['interface']!,
        interfaceName,
        `the platform writes it unquoted as spec.egressGateway.interface into ${targetOf()}, and YAML reads it as nothing there: Cilium would then use the interface of the default route; name the real interface`,
      ),
    );
    return;
  }
  const rendered = renderPolicy('', standInPolicy, egressGateway);
  if (validate(rendered)) return;
  const label = schemaLabel(schema);
  const denied = new Set(f.errors.map((e) => e.field));
  const target = targetOf();
  for (const e of validate.errors as ErrorObject[]) {
    const segments = segmentsOf(e);
    if (!underGateway(segments)) continue;
    const value = valueAt(rendered, segments);
    const path = gatewaySources[segments[2] ?? ''] ?? FieldPath.root('metadata').child('name');
    // An IPv6 address refused for its form (a prefix length, say) would be refused here next: say it now.
    const nextRefusal = e.keyword === 'format' && typeof value === 'string' && ipv6Text(value);
    if (denied.has(String(path)) && !nextRefusal) continue;
    denied.add(String(path));
    const written = segments[2] === 'egressIP' ? gateway.ip : segments[2] === 'interface' ? gateway.interfaceName : gateway.name;
    const at = `the platform writes it as ${egressGatewayPath.concat(segments.slice(2)).join('.')} into ${target}`;
    f.error(
      'cilium-render',
      fieldError(
        path,
        e,
        written,
        value instanceof UnreadableYAML ? `${at}, unquoted, and YAML cannot read it there: that render fails` : `${at}, which would be refused: ${reason(e, value, label)}`,
      ),
    );
  }
}
