import type { ClusterState } from '../cluster/state.js';
import type { RulesConfig } from '../resources/config.js';
import type { KindDescriptor } from '../resources/kind.js';
import { findKind } from '../resources/registry.js';
import { isRuleId, ruleEntry } from '../rules/catalogue.js';
import { Findings } from '../rules/findings.js';
import type { GatewayReference, ReviewInput } from '../resources/review-input.js';
import { dns1123SubdomainErrors } from '../rules/kubernetes-names.js';
import { getPath, isPlainObject, stringAt, withoutNulls } from '../rules/values.js';
import { limitWarnings } from '../rules/warnings.js';
import type { AdmissionRequest } from './envelope.js';
import { type AddOp, applyAdds, patchFor } from './patch.js';
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
  /** One id per field error that denied, and per warning given (repeats kept, for counting). */
  deniedBy?: string[];
  warnedBy?: string[];
  patch?: AddOp[];
}

export interface AdmitDeps {
  state: ClusterState;
  config: RulesConfig;
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

/** Resolves the gateway a policy names: from the cache, else by asking the source of truth. */
export async function resolveGatewayReference(state: ClusterState, name: string | undefined): Promise<GatewayReference | undefined> {
  if (!name || dns1123SubdomainErrors(name).length > 0) return undefined;
  const cached = state.gateway(name);
  if (cached) return { status: 'found', gateway: cached };
  try {
    const live = await state.fetchGateway(name);
    return live ? { status: 'found', gateway: live } : { status: 'missing' };
  } catch {
    return { status: 'unchecked', reason: 'the cluster state is not synced and the API server did not answer' };
  }
}

function resolvedKind(request: AdmissionRequest, config: RulesConfig): KindDescriptor | undefined {
  const { group, version, kind } = request.kind;
  return findKind(group, version, kind, config.kinds);
}

export type Evaluation =
  | { skipped: string; name: string }
  | { skipped?: undefined; resource: KindDescriptor; name: string; findings: Findings };

/** Runs the rules for one request: the same path for the webhook and the offline command. */
export async function evaluate(request: AdmissionRequest, deps: AdmitDeps): Promise<Evaluation> {
  const isDelete = request.operation === 'DELETE';
  const object = withoutNulls(isDelete ? request.oldObject : request.object);
  const name = nameOf(request, object);
  const resource = resolvedKind(request, deps.config);
  if (!resource) return { skipped: `kind ${request.kind.group}/${request.kind.version} ${request.kind.kind} is not checked here`, name };
  const reason = skipReason(request, object);
  if (reason) return { skipped: reason, name };

  const input: ReviewInput = {
    operation: request.operation,
    object,
    oldObject: isDelete ? undefined : withoutNulls(request.oldObject),
    name,
    state: deps.state,
    config: deps.config,
  };
  if (isDelete) return { resource, name, findings: resource.validateDelete?.(input) ?? new Findings() };
  for (const reference of resource.references) {
    const ref = await resolveGatewayReference(deps.state, reference.name(object));
    if (ref) input.gatewayRef = ref;
  }
  return { resource, name, findings: resource.validateWrite(input) };
}

export async function validateRequest(request: AdmissionRequest, deps: AdmitDeps): Promise<Decision> {
  const result = await evaluate(request, deps);
  if (result.skipped !== undefined) return skip(request, result.skipped, result.name);
  const { resource, name, findings } = result;
  const rules = [...new Set([...findings.errors, ...findings.warnings].map((x) => x.rule))];
  const response: AdmissionResponse = { uid: request.uid, allowed: findings.errors.length === 0 };
  if (findings.errors.length > 0) {
    const status = request.operation === 'DELETE' ? forbiddenStatus : invalidStatus;
    response.status = status(resource.group, resource.kind, name, findings.errors);
  }
  const warnings = limitWarnings(findings.warnings);
  if (warnings.length > 0) response.warnings = warnings;
  const deniedBy = findings.errors.map((e) => e.rule);
  const warnedBy = findings.warnings.map((w) => w.rule);
  return { response, verdict: response.allowed ? 'allowed' : 'denied', kind: resource.kind, name, rules, deniedBy, warnedBy };
}

export type Defaulting =
  | { skipped: string; name: string }
  | { skipped?: undefined; resource: KindDescriptor; name: string; object: Record<string, unknown>; ops: AddOp[] };

/** The defaults one request gets, and the object as it will be stored with them. */
export function computeDefaults(request: AdmissionRequest, deps: AdmitDeps): Defaulting {
  const object = withoutNulls(request.object);
  const resource = resolvedKind(request, deps.config);
  const name = nameOf(request, object);
  if (!resource) return { skipped: `kind ${request.kind.group}/${request.kind.version} ${request.kind.kind} is not defaulted here`, name };
  const reason = skipReason(request, object) ?? (request.operation === 'DELETE' ? 'DELETE' : undefined);
  if (reason) return { skipped: reason, name };
  if (!isPlainObject(object)) return { skipped: 'object is not a JSON object', name };
  const ops = patchFor(object, resource.defaults(object, deps.config));
  return { resource, name, object: ops.length > 0 ? applyAdds(object, ops) : object, ops };
}

/**
 * The defaults as a JSON Patch. The API server checks the CRD's schema after the mutating webhooks and before the
 * validating ones, so a mistake that schema also refuses would reach the user in the API server's words (a oneOf
 * error on `<nil>`): such an object is denied here already, with the validating webhook's answer (all its errors).
 */
export async function mutateRequest(request: AdmissionRequest, deps: AdmitDeps): Promise<Decision> {
  const result = computeDefaults(request, deps);
  if (result.skipped !== undefined) return skip(request, result.skipped, result.name);
  const { resource, name, ops } = result;
  const verdict = await validateRequest({ ...request, object: result.object }, deps);
  if (!verdict.response.allowed && verdict.deniedBy?.some((id) => isRuleId(id) && ruleEntry(id).platformSchema)) return verdict;
  const response: AdmissionResponse = { uid: request.uid, allowed: true };
  if (ops.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
  }
  return { response, verdict: 'allowed', kind: resource.kind, name, rules: [], patch: ops };
}
