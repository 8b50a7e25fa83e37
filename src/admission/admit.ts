import type { ClusterState } from '../cluster/state.js';
import { statusCodeOf } from '../cluster/api-errors.js';
import { LookupLimited } from '../cluster/memory-state.js';
import type { RulesConfig } from '../resources/config.js';
import type { KindDescriptor } from '../resources/kind.js';
import { findKind } from '../resources/registry.js';
import { isRuleId, ruleEntry } from '../rules/catalogue.js';
import { formatFieldError } from '../rules/field.js';
import { Findings, maxWarnings } from '../rules/findings.js';
import type { GatewayReference, ReviewInput } from '../resources/review-input.js';
import { dns1123SubdomainErrors } from '../rules/kubernetes-names.js';
import { andThen, type Eventually } from '../rules/stages.js';
import { getPath, isPlainObject, stringAt, withoutNulls } from '../rules/values.js';
import { limitWarnings, truncate } from '../rules/warnings.js';
import type { AdmissionRequest } from './envelope.js';
import { type AddOp, applyAdds, patchFor } from './patch.js';
import { paced } from './pacing.js';
import { forbiddenStatus, invalidStatus, type Status } from './status.js';

// One admission decision: which resource, which rules, and the AdmissionResponse that carries the verdict.

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: Status;
  warnings?: string[];
  patchType?: 'JSONPatch';
  patch?: string;
}

export type Verdict = 'allowed' | 'denied' | 'skipped';

export interface Decision {
  response: AdmissionResponse;
  verdict: Verdict;
  /** Why nothing was checked, for a skipped request. */
  skipped?: string;
  kind: string;
  name: string;
  /** Ids of the rules that denied or warned. */
  rules: string[];
  /** How many field errors that denied, and warnings found, per rule id (shown or not, for counting). */
  deniedBy?: ReadonlyMap<string, number>;
  warnedBy?: ReadonlyMap<string, number>;
  /** Warn mode: the field errors that would have denied this review, per rule id. */
  wouldDenyBy?: ReadonlyMap<string, number>;
  patch?: AddOp[];
}

export interface AdmitDeps {
  state: ClusterState;
  config: RulesConfig;
  /** warn: every denial is allowed with its field errors as warnings (rollout of the webhook). Default deny. */
  enforcement?: 'deny' | 'warn';
}

function nameOf(request: AdmissionRequest, object: unknown): string {
  return stringAt(object, 'metadata', 'name') || request.name || '';
}

/** Requests the rules have nothing to say about: other kinds, subresources, objects being deleted. */
function skipReason(request: AdmissionRequest, object: unknown): string | undefined {
  if (request.subResource) return `subresource ${request.subResource}`;
  if (request.operation === 'CONNECT') return 'CONNECT';
  // Finalizer removal of an object being deleted must never be blocked by its content.
  if (request.operation === 'UPDATE' && getPath(object, 'metadata', 'deletionTimestamp') != null) return 'object is being deleted';
  return undefined;
}

function skip(request: AdmissionRequest, reason: string, name: string): Decision {
  return { response: { uid: request.uid, allowed: true }, verdict: 'skipped', skipped: reason, kind: request.kind.kind, name, rules: [] };
}

/** Resolves the gateway a policy names: from the cache (at once), else by asking the source of truth. */
export function resolveGatewayReference(state: ClusterState, name: string | undefined): Eventually<GatewayReference | undefined> {
  if (!name || dns1123SubdomainErrors(name).length > 0) return undefined;
  const cached = state.gateway(name);
  if (cached) return { status: 'found', gateway: cached };
  return fetchGatewayReference(state, name);
}

async function fetchGatewayReference(state: ClusterState, name: string): Promise<GatewayReference> {
  try {
    const live = await state.fetchGateway(name);
    return live ? { status: 'found', gateway: live } : { status: 'missing' };
  } catch (err) {
    if (err instanceof LookupLimited) return { status: 'unchecked', reason: err.message };
    // A refusal (403: the service account's RBAC) is not silence: say which.
    const code = statusCodeOf(err);
    const answer = code === undefined ? 'the API server did not answer' : `the API server answered HTTP ${code}`;
    const cache = state.syncStatus().synced ? 'the gateway is not in the cache' : 'the cluster state is not synced';
    return { status: 'unchecked', reason: `${cache} and ${answer}` };
  }
}

/** Sets input.gatewayRef from the references in order, from `from` on; waits only for a lookup that must wait. */
function resolveReferences(references: KindDescriptor['references'], input: ReviewInput, from = 0): Eventually<void> {
  for (let i = from; i < references.length; i++) {
    const ref = resolveGatewayReference(input.state, references[i]!.name(input.object));
    if (ref instanceof Promise) {
      return ref.then((r) => {
        if (r) input.gatewayRef = r;
        return resolveReferences(references, input, i + 1);
      });
    }
    if (ref) input.gatewayRef = ref;
  }
  return undefined;
}

function resolvedKind(request: AdmissionRequest, config: RulesConfig): KindDescriptor | undefined {
  const { group, version, kind } = request.kind;
  return findKind(group, version, kind, config.kinds);
}

/**
 * Objects known to hold no null are not walked for nulls again: the walk lists every key of every object (300,000
 * keys take tens of milliseconds), and a mutation checks its object up to three times. Objects this code made
 * (a review's objects, parsed from a text without a `null` of theirs; copies without the nulls; the objects
 * computeDefaults made) carry a mark: a symbol key, which no key walk, schema or JSON.stringify sees, and which
 * costs next to nothing where a WeakSet entry costs as much as the walk of an ordinary object. A copy made by
 * spreading a marked object keeps the mark, which holds as long as the copy gains no null (defaults never add
 * one). A caller's own object (a manifest, a stored object) is not ours to change and is not marked: the one a
 * mutation defaults and checks again is remembered in a WeakSet instead, and a copy of it is not taken for
 * null-free.
 */
const nullFreeMark = Symbol('null-free');
const callersNullFree = new WeakSet<object>();

function isNullFree(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  return (value as Record<symbol, unknown>)[nullFreeMark] === true || callersNullFree.has(value);
}

function nullsDropped(value: unknown): unknown {
  if (isNullFree(value)) return value;
  const dropped = withoutNulls(value);
  // A copy is ours to mark; the value itself is the caller's.
  if (dropped !== value) markNullFree(dropped);
  return dropped;
}

function markNullFree(value: unknown): void {
  if (value !== null && typeof value === 'object' && Object.isExtensible(value)) (value as Record<symbol, unknown>)[nullFreeMark] = true;
}

/** Whether `word` occurs in `text` more than `limit` times (it stops counting there). */
function occursMoreThan(text: string, word: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + word.length)) if (++n > limit) return true;
  return false;
}

/**
 * Marks a review's object and oldObject as free of nulls when the body's text holds no more `null` than the two
 * of them account for: the API server sends `"oldObject":null` on CREATE and `"object":null` on DELETE. Each null
 * value of the parsed body is a `null` of its own in the text, so if the text has no more of them than those, the
 * objects hold none. Any other `null` (elsewhere in the envelope, in the objects, inside a string) leaves both
 * unmarked: they are then walked.
 */
export function markNullFreeFromText(text: string, body: unknown): void {
  const request = getPath(body, 'request');
  if (!isPlainObject(request)) return;
  const envelope = (request['object'] === null ? 1 : 0) + (request['oldObject'] === null ? 1 : 0);
  if (occursMoreThan(text, 'null', envelope)) return;
  markNullFree(request['object']);
  markNullFree(request['oldObject']);
}

export type Evaluation =
  | { skipped: string; name: string }
  | { skipped?: undefined; resource: KindDescriptor; name: string; findings: Findings };

/**
 * Runs the rules for one request: the same path for the webhook and the offline command. With scope
 * platformSchema, only the checks that can find an error of a rule flagged so (see ReviewInput.scope).
 */
export function evaluate(request: AdmissionRequest, deps: AdmitDeps, scope?: 'platformSchema'): Eventually<Evaluation> {
  const started = performance.now();
  const isDelete = request.operation === 'DELETE';
  const object = nullsDropped(isDelete ? request.oldObject : request.object);
  const name = nameOf(request, object);
  const resource = resolvedKind(request, deps.config);
  if (!resource) return { skipped: `kind ${request.kind.group}/${request.kind.version} ${request.kind.kind} is not checked here`, name };
  const reason = skipReason(request, object);
  if (reason) return { skipped: reason, name };

  const input: ReviewInput = {
    operation: request.operation,
    object,
    oldObject: isDelete ? undefined : nullsDropped(request.oldObject),
    name,
    state: deps.state,
    config: deps.config,
  };
  if (scope) input.scope = scope;
  if (isDelete) return { resource, name, findings: resource.validateDelete?.(input) ?? new Findings() };
  const run = (): Eventually<Evaluation> => andThen(paced(resource.validateWrite(input), started), (findings) => ({ resource, name, findings }));
  // Nothing a reference resolves to can make a platformSchema rule fail.
  return scope ? run() : andThen(resolveReferences(resource.references, input), run);
}

/** The API server truncates a webhook's warning beyond 256 characters; a would-be denial keeps up to that. */
const maxWouldDenyLength = 256;

/** Warn mode: one warning per field error the denial would show, and how many more there were. */
function wouldDenyWarnings(findings: Findings): string[] {
  const distinct = [...new Set(findings.errors.map((e) => truncate(`would be denied: ${formatFieldError(e)}`, maxWouldDenyLength)))];
  // Within the warnings' cap: the API server keeps only a few KB of them, and kubectl prints each on a line.
  const room = maxWarnings / 2;
  const shown = distinct.length > room ? distinct.slice(0, room - 1) : distinct;
  const more = findings.errorCount - (findings.errors.length - distinct.length) - shown.length;
  if (more > 0) shown.push(`... and ${more} more field errors would be denied`);
  return shown;
}

export function validateRequest(request: AdmissionRequest, deps: AdmitDeps): Eventually<Decision> {
  return andThen(evaluate(request, deps), (result) => decisionOf(request, deps, result));
}

function decisionOf(request: AdmissionRequest, deps: AdmitDeps, result: Evaluation): Decision {
  if (result.skipped !== undefined) return skip(request, result.skipped, result.name);
  const { resource, name, findings } = result;
  const rules = findings.errorCount + findings.warningCount === 0 ? [] : [...new Set([...findings.errorCounts.keys(), ...findings.warningCounts.keys()])];
  const warnOnly = deps.enforcement === 'warn' && findings.errorCount > 0;
  const response: AdmissionResponse = { uid: request.uid, allowed: findings.errorCount === 0 || warnOnly };
  if (!response.allowed) {
    const status = request.operation === 'DELETE' ? forbiddenStatus : invalidStatus;
    response.status = status(resource.group, resource.kind, name, findings.errors, findings.errorCount);
  }
  // Warn mode: each field error as kubectl prints it, first, so nothing of the denial is lost to the limit.
  // Both within one answer's cap: the would-be denials take half of it at most, the ordinary warnings the rest.
  const wouldDeny = warnOnly ? wouldDenyWarnings(findings) : undefined;
  const warnings = wouldDeny ? [...wouldDeny, ...limitWarnings(findings, maxWarnings - wouldDeny.length)] : limitWarnings(findings);
  if (warnings.length > 0) response.warnings = warnings;
  const deniedBy = warnOnly ? new Map<string, number>() : findings.errorCounts;
  const warnedBy = findings.warningCounts;
  const decision: Decision = { response, verdict: response.allowed ? 'allowed' : 'denied', kind: resource.kind, name, rules, deniedBy, warnedBy };
  if (warnOnly) decision.wouldDenyBy = findings.errorCounts;
  return decision;
}

export type Defaulting =
  | { skipped: string; name: string }
  | { skipped?: undefined; resource: KindDescriptor; name: string; object: Record<string, unknown>; ops: AddOp[] };


/** The defaults one request gets, and the object as it will be stored with them. */
export function computeDefaults(request: AdmissionRequest, deps: AdmitDeps): Defaulting {
  const object = nullsDropped(request.object);
  const resource = resolvedKind(request, deps.config);
  const name = nameOf(request, object);
  if (!resource) return { skipped: `kind ${request.kind.group}/${request.kind.version} ${request.kind.kind} is not defaulted here`, name };
  const reason = skipReason(request, object) ?? (request.operation === 'DELETE' ? 'DELETE' : undefined);
  if (reason) return { skipped: reason, name };
  if (!isPlainObject(object)) return { skipped: 'object is not a JSON object', name };
  const ops = patchFor(object, resource.defaults(object, deps.config));
  const defaulted = ops.length > 0 ? applyAdds(object, ops) : object;
  if (defaulted !== object) markNullFree(defaulted);
  // No defaults: the object is the request's own (unless nullsDropped made a copy, which is marked).
  else if (!isNullFree(defaulted)) callersNullFree.add(defaulted);
  return { resource, name, object: defaulted, ops };
}

const hasPlatformSchemaError = (ruleIds: Iterable<string>) => {
  for (const id of ruleIds) if (isRuleId(id) && ruleEntry(id).platformSchema) return true;
  return false;
};

/**
 * The defaults as a JSON Patch. The API server checks the CRD's schema after the mutating webhooks and before the
 * validating ones, so a mistake that schema also refuses would reach the user in the API server's words (a oneOf
 * error on `<nil>`): such an object is denied here already, with the validating webhook's answer (all its errors).
 */
export function mutateRequest(request: AdmissionRequest, deps: AdmitDeps): Eventually<Decision> {
  const result = computeDefaults(request, deps);
  if (result.skipped !== undefined) return skip(request, result.skipped, result.name);
  const { resource, name, ops } = result;
  const defaulted = { ...request, object: result.object };
  const patched = (): Decision => {
    const response: AdmissionResponse = { uid: request.uid, allowed: true };
    if (ops.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
    }
    return { response, verdict: 'allowed', kind: resource.kind, name, rules: [], patch: ops };
  };
  // Most objects have no such mistake: only the checks of the platformSchema rules run first (no lookup, no render
  // check), and the whole validation, for the whole answer, only when one of them has something to say.
  return andThen(evaluate(defaulted, deps, 'platformSchema'), (scan) => {
    if (scan.skipped !== undefined || !hasPlatformSchemaError(scan.findings.errorCounts.keys())) return patched();
    return andThen(validateRequest(defaulted, deps), (verdict) =>
      !verdict.response.allowed && hasPlatformSchemaError(verdict.deniedBy?.keys() ?? []) ? verdict : patched(),
    );
  });
}
