import { type Logger, pino } from 'pino';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { loadStateFiles } from '../../src/cluster/file-state.js';
import type { ClusterState } from '../../src/cluster/state.js';
import { defaultRulesConfig, type RulesConfig } from '../../src/resources/config.js';
import { buildApp } from '../../src/server/app.js';
import { generateServingCertificate, type ServingCertificate } from '../../src/tls/certificates.js';
import { type HttpResult, httpsRequest } from './https-client.js';
import { fromRoot } from './paths.js';

let certs: Promise<ServingCertificate> | undefined;
/** One real CA and serving certificate per test process (EC keys are cheap, but there is no need for more). */
export function testCertificates(): Promise<ServingCertificate> {
  certs ??= generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  return certs;
}

export const exampleStatePath = fromRoot('examples/cluster-state.yaml');

export function exampleState(...extraFiles: string[]) {
  return loadStateFiles([exampleStatePath, ...extraFiles], deckhouseAgents);
}

export interface TestWebhook {
  url: string;
  ca: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  /** POSTs an AdmissionReview and returns its response (asserting HTTP 200 and the echoed uid). */
  review(path: '/validate' | '/mutate', review: Review): Promise<any>;
  close(): Promise<void>;
}

export async function startWebhook(
  opts: { state?: ClusterState; config?: Partial<RulesConfig>; bodyLimit?: number; notReady?: () => string[]; logger?: Logger; enforcement?: 'deny' | 'warn' } = {},
): Promise<TestWebhook> {
  const tls = await testCertificates();
  const state = opts.state ?? (await exampleState());
  const app = await buildApp({
    tls,
    logger: opts.logger ?? pino({ level: 'silent' }),
    state,
    ...(opts.enforcement ? { enforcement: opts.enforcement } : {}),
    config: { ...defaultRulesConfig, ...opts.config },
    ...(opts.bodyLimit ? { limits: { bodyLimit: opts.bodyLimit } } : {}),
    ...(opts.notReady ? { notReadyReasons: opts.notReady } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  // "localhost" so the client checks the certificate's DNS SAN, not just the IP.
  const url = `https://localhost:${port}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    httpsRequest(url + path, { ca: tls.ca, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers });
  return {
    url,
    ca: tls.ca,
    post,
    async review(path, review) {
      const res = await post(path, review);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text}`);
      if (res.json?.response?.uid !== review.request.uid) throw new Error(`uid not echoed: ${res.text}`);
      return res.json.response;
    },
    close: () => app.close(),
  };
}

export interface Review {
  apiVersion: string;
  kind: 'AdmissionReview';
  request: Record<string, any> & { uid: string };
}

let counter = 0;
const resourceOf: Record<string, string> = {
  EgressGateway: 'egressgateways',
  EgressGatewayPolicy: 'egressgatewaypolicies',
  CiliumEgressGatewayPolicy: 'ciliumegressgatewaypolicies',
};

/** Group and version of an object's apiVersion ("v1" has the empty group). */
export function groupVersionOf(object: any): { group: string; version: string } {
  const apiVersion: string = object?.apiVersion ?? 'network.deckhouse.io/v1alpha1';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** An AdmissionReview as the API server sends it for this object. */
export function reviewOf(
  object: any,
  opts: { operation?: 'CREATE' | 'UPDATE' | 'DELETE'; oldObject?: any; apiVersion?: string; subResource?: string } = {},
): Review {
  const operation = opts.operation ?? 'CREATE';
  const kind = (object ?? opts.oldObject).kind as string;
  const name = (object ?? opts.oldObject).metadata?.name;
  const { group, version } = groupVersionOf(object ?? opts.oldObject);
  const request: Review['request'] = {
    uid: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    kind: { group, version, kind },
    resource: { group, version, resource: resourceOf[kind] ?? kind.toLowerCase() },
    requestKind: { group, version, kind },
    name,
    operation,
    userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
    object: operation === 'DELETE' ? null : object,
    oldObject: operation === 'CREATE' ? null : (opts.oldObject ?? null),
    dryRun: false,
    options: { apiVersion: 'meta.k8s.io/v1', kind: `${operation[0]}${operation.slice(1).toLowerCase()}Options` },
  };
  if (opts.subResource) request['subResource'] = opts.subResource;
  return { apiVersion: opts.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

export function gateway(name: string, spec: any): any {
  return { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', metadata: { name }, spec };
}

export function policy(name: string, spec: any): any {
  return { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGatewayPolicy', metadata: { name }, spec };
}

export function ciliumPolicy(name: string, spec: any): any {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumEgressGatewayPolicy', metadata: { name }, spec };
}

/** Decodes a JSONPatch response. */
export function patchOf(response: any): unknown {
  if (response.patch === undefined) return undefined;
  if (response.patchType !== 'JSONPatch') throw new Error(`patchType ${response.patchType}`);
  return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
}
