import { isPlainObject } from '../rules/values.js';
import type { Operation } from '../resources/review-input.js';

// The AdmissionReview envelope (admission.k8s.io/v1 and v1beta1): what a request must carry to be answered.

export const reviewVersions = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type ReviewVersion = (typeof reviewVersions)[number];
const operations: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  subResource?: string;
  operation: Operation;
  name?: string;
  namespace?: string;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export type ParsedReview = { ok: true; apiVersion: ReviewVersion; request: AdmissionRequest } | { ok: false; message: string };

const fail = (message: string): ParsedReview => ({ ok: false, message });

export function parseReview(body: unknown): ParsedReview {
  if (!isPlainObject(body)) return fail('body must be a JSON object: an AdmissionReview');
  const { apiVersion, kind, request } = body;
  if (kind !== 'AdmissionReview') return fail(`kind must be "AdmissionReview", got ${JSON.stringify(kind ?? null)}`);
  if (!reviewVersions.includes(apiVersion as ReviewVersion)) {
    return fail(`apiVersion must be "admission.k8s.io/v1" or "admission.k8s.io/v1beta1", got ${JSON.stringify(apiVersion ?? null)}`);
  }
  if (!isPlainObject(request)) return fail('request is required');
  const { uid, operation, subResource, name, namespace, object, oldObject, dryRun } = request;
  if (typeof uid !== 'string' || uid === '') return fail('request.uid is required');
  const gvk = request['kind'];
  if (!isPlainObject(gvk) || typeof gvk['kind'] !== 'string' || typeof gvk['version'] !== 'string') {
    return fail('request.kind must have kind and version');
  }
  if (!operations.includes(operation as Operation)) {
    return fail(`request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got ${JSON.stringify(operation ?? null)}`);
  }
  const op = operation as Operation;
  if ((op === 'CREATE' || op === 'UPDATE') && !isPlainObject(object) && subResource === undefined) {
    return fail(`request.object must be an object for ${op}`);
  }
  const parsed: AdmissionRequest = {
    uid,
    kind: { group: typeof gvk['group'] === 'string' ? gvk['group'] : '', version: gvk['version'], kind: gvk['kind'] },
    operation: op,
    object,
    oldObject,
  };
  if (typeof subResource === 'string' && subResource !== '') parsed.subResource = subResource;
  if (typeof name === 'string') parsed.name = name;
  if (typeof namespace === 'string') parsed.namespace = namespace;
  if (typeof dryRun === 'boolean') parsed.dryRun = dryRun;
  return { ok: true, apiVersion: apiVersion as ReviewVersion, request: parsed };
}
