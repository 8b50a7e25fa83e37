import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { AgentSelectors } from './agents.js';
import { ciliumPolicyCRDName } from './cilium-crd.js';
import { egressGroup } from './objects.js';
import { describeError, statusCodeOf } from './api-errors.js';
import { ClusterSnapshot } from './snapshot.js';

// A snapshot from the API server: one paged list of each kind `explain` reads, no watch. The kinds of optional
// components (CiliumNodes, the CiliumEgressGatewayPolicy CRD) may be missing or forbidden: then they are left out.

const pageSize = 500;

interface Page {
  items?: unknown[];
  metadata?: { _continue?: string; continue?: string };
}

async function listAll(list: (limit: number, token: string | undefined) => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let token: string | undefined;
  do {
    const page = (await list(pageSize, token)) as Page;
    for (const item of page.items ?? []) out.push(item as Record<string, unknown>);
    token = page.metadata?._continue ?? page.metadata?.continue;
  } while (token);
  return out;
}

const withKind = (apiVersion: string, kind: string) => (o: Record<string, unknown>) => ({ ...o, apiVersion, kind });
const selectorString = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Throws with a short reason when a kind the explanation needs cannot be listed. */
export async function snapshotFromCluster(kc: KubeConfig, agents: AgentSelectors): Promise<ClusterSnapshot> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const snap = new ClusterSnapshot(agents, `context ${kc.getCurrentContext()}`);
  const page = (token: string | undefined) => (token ? { _continue: token } : {});
  const needed = async (what: string, p: Promise<Record<string, unknown>[]>) => {
    try {
      return await p;
    } catch (err) {
      throw new Error(`cannot list ${what}: ${describeError(err)}`);
    }
  };
  const optional = async (p: Promise<Record<string, unknown>[]>) => {
    try {
      return await p;
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404 || code === 403) return undefined;
      throw err;
    }
  };
  const custom1 = (group: string, version: string, plural: string, kind: string, extra: Record<string, string> = {}) =>
    listAll((limit, token) => custom.listClusterCustomObject({ group, version, plural, limit, ...extra, ...page(token) })).then((items) =>
      items.map(withKind(`${group}/${version}`, kind)),
    );
  const pods = (labels: Readonly<Record<string, string>>) =>
    listAll((limit, token) => core.listNamespacedPod({ namespace: agents.namespace, labelSelector: selectorString(labels), limit, ...page(token) })).then((items) =>
      items.map(withKind('v1', 'Pod')),
    );

  const [nodes, cilium, egressAgents, gateways, policies, ciliumNodes, crds] = await Promise.all([
    needed('nodes', listAll((limit, token) => core.listNode({ limit, ...page(token) })).then((items) => items.map(withKind('v1', 'Node')))),
    needed(`pods in ${agents.namespace}`, pods(agents.cilium)),
    needed(`pods in ${agents.namespace}`, pods(agents.egressGateway)),
    needed('egressgateways', custom1(egressGroup, 'v1alpha1', 'egressgateways', 'EgressGateway')),
    needed('egressgatewaypolicies', custom1(egressGroup, 'v1alpha1', 'egressgatewaypolicies', 'EgressGatewayPolicy')),
    optional(custom1('cilium.io', 'v2', 'ciliumnodes', 'CiliumNode')),
    optional(
      custom1('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', { fieldSelector: `metadata.name=${ciliumPolicyCRDName}` }),
    ),
  ]);
  for (const o of [...nodes, ...cilium, ...egressAgents, ...gateways, ...policies, ...(crds ?? [])]) snap.add(o);
  if (ciliumNodes) {
    snap.sawCiliumNodes();
    for (const o of ciliumNodes) snap.add(o);
  }
  return snap;
}
