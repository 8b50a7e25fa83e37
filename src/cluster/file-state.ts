import { readFile } from 'node:fs/promises';
import type { AgentSelectors } from './agents.js';
import { parseManifests } from './manifests.js';
import { MemoryClusterState } from './memory-state.js';
import { schemaFromCRD } from './cilium-crd.js';
import { agentPod, egressGroup, gatewayInfo, nodeInfo, policyInfo } from './objects.js';

// Cluster state for running without a cluster: the output of
// `kubectl get nodes,pods,egressgateways,egressgatewaypolicies -A -o yaml`, or any multi-document file (plus, when
// present, the CiliumEgressGatewayPolicy CRD: `kubectl get crd ciliumegressgatewaypolicies.cilium.io -o yaml`).

const groupOf = (apiVersion: unknown) => (typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** Adds one object to the state when it is of a kind the rules use; returns whether it was taken. */
export function loadObject(state: MemoryClusterState, obj: Record<string, unknown>, agents: AgentSelectors): boolean {
  const group = groupOf(obj['apiVersion']);
  const core = group === '';
  const egress = group === egressGroup;
  switch (obj['kind']) {
    case 'Node': {
      const n = core ? nodeInfo(obj) : undefined;
      if (n) state.upsertNode(n);
      return n !== undefined;
    }
    case 'Pod': {
      const p = core ? agentPod(obj, agents) : undefined;
      if (p) state.upsertAgentPod(p);
      return p !== undefined;
    }
    case 'EgressGateway': {
      const g = egress ? gatewayInfo(obj) : undefined;
      if (g) state.upsertGateway(g);
      return g !== undefined;
    }
    case 'EgressGatewayPolicy': {
      const p = egress ? policyInfo(obj) : undefined;
      if (p) state.upsertPolicy(p);
      return p !== undefined;
    }
    case 'CustomResourceDefinition': {
      const s = group === 'apiextensions.k8s.io' ? schemaFromCRD(obj, 'file') : undefined;
      if (s) state.setCiliumPolicySchema(s);
      return s !== undefined;
    }
    default:
      return false;
  }
}

/** Every object of the dump files, in order; a malformed file throws naming the file and the line. */
export async function forEachStateObject(paths: readonly string[], each: (object: Record<string, unknown>) => void): Promise<void> {
  for (const path of paths) {
    const text = await readFile(path, 'utf8');
    let manifests;
    try {
      manifests = parseManifests(text);
    } catch (e) {
      const m = e as { message: string; line?: number };
      throw new Error(`cluster state ${path}:${m.line ?? 0}: ${m.message}`);
    }
    for (const m of manifests) each(m.object);
  }
}

export async function loadStateFiles(paths: readonly string[], agents: AgentSelectors): Promise<MemoryClusterState> {
  const state = new MemoryClusterState();
  await forEachStateObject(paths, (object) => loadObject(state, object, agents));
  return state;
}

/** Why `--cluster-state` could not be loaded, in the flag's words, naming the file (and the line, when malformed). */
export function stateFilesProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err.path === 'string') return `--cluster-state ${err.path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`;
  // A malformed file: the loader's message already starts with "cluster state FILE:LINE:".
  return `--cluster-state ${String(err.message).replace(/^cluster state /, '')}`;
}
