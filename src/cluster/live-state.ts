import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type AgentSelectors } from './agents.js';
import { statusCodeOf } from './api-errors.js';
import { feedHandlers, guardedKindOf } from './audit-feed.js';
import { ciliumCRDHandlers, ciliumCRDSource } from './cilium-crd.js';
import { MemoryClusterState } from './memory-state.js';
import type { ObjectStore } from './object-store.js';
import { agentPod, egressGroup, gatewayInfo, nodeInfo, policyInfo } from './objects.js';
import { listPage } from './raw-list.js';
import { type ListPage, Reflector, type ReflectorHandlers, type ReflectorSource } from './reflector.js';
import { stringAt } from '../rules/values.js';
import type { GatewayInfo } from './state.js';
import { formatLabelMap } from '../rules/labels.js';

// Cluster state from the API server: list+watch of Nodes, the two kinds of agent pods, EgressGateways and
// EgressGatewayPolicies, reduced to summaries and indexed in an in-memory store it owns. Reviews never wait on
// the API server, except for the one live GET that confirms a missing gateway.

const version = 'v1alpha1';

/**
 * Pages of Nodes and agent pods, which are large objects (a Node is 10-20 KB of JSON, most of it its images): a
 * page's objects must die young. From a page of 500 Nodes (8 MB of JSON) they outlive the young generation (the
 * image runs node with --max-semi-space-size=4), are promoted, and the old space grows by pages before a full GC
 * collects them. Measured with 50,000 Nodes of 17 KB (npm run bench:cache): peak RSS 367-419 MB at 500 per page,
 * 296-321 at 100, 240-251 at 50; the first sync took 8.2-8.9 s, 7.0-7.1 and 6.4-7.0. A list of 50,000 Nodes is
 * then 1,000 requests of about 1 MB each. Small objects (gateways, policies, CRDs) keep pages of 500.
 */
const nodePageSize = 50;
const podPageSize = 100;

export interface LiveStateOptions {
  kubeConfig: KubeConfig;
  agents: AgentSelectors;
  /** Watch EgressGateways, EgressGatewayPolicies and egress-gateway agents (clusters without Deckhouse have none). */
  deckhouse?: boolean;
  logger: Logger;
  /** Longest wait for the live GET of a gateway; the API server gives the whole review 10 s at most. */
  lookupTimeoutMs?: number;
  /** For tests: shorter backoff. */
  minBackoffMs?: number;
  /** For the auditor: keep whole guarded objects here and report every change to it. */
  objects?: ObjectStore;
  /** With `objects`: watch CiliumEgressGatewayPolicies too (not part of readiness; the CRD may be absent). */
  ciliumPolicies?: boolean;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Keeps a MemoryClusterState (`store`, what the rules read) filled from the API server. */
export class LiveClusterState {
  private readonly reflectors: Reflector<never>[] = [];
  private readonly custom: CustomObjectsApi;
  private readonly lookupTimeoutMs: number;
  readonly store: MemoryClusterState;

  constructor(opts: LiveStateOptions) {
    const deckhouse = opts.deckhouse ?? true;
    const store = new MemoryClusterState(
      deckhouse ? ['nodes', 'cilium-agents', 'egress-gateway-agents', 'egressgateways', 'egressgatewaypolicies'] : ['nodes', 'cilium-agents'],
      (name) => this.fetchGateway(name),
    );
    this.store = store;
    this.lookupTimeoutMs = opts.lookupTimeoutMs ?? 2000;
    this.custom = opts.kubeConfig.makeApiClient(CustomObjectsApi);
    const watch = new Watch(opts.kubeConfig);
    const { namespace } = opts.agents;

    const page = (p: Promise<unknown>) => p as Promise<ListPage>;
    const customList = (plural: string): ReflectorSource => ({
      watchPath: `/apis/${egressGroup}/${version}/${plural}`,
      list: (limit, token) =>
        page(this.custom.listClusterCustomObject({ group: egressGroup, version, plural, limit, ...(token ? { _continue: token } : {}) })),
    });
    const agentList = (labels: Readonly<Record<string, string>>): ReflectorSource => {
      const labelSelector = formatLabelMap(labels);
      return {
        watchPath: `/api/v1/namespaces/${namespace}/pods`,
        labelSelector,
        pageSize: podPageSize,
        list: (limit, token) => listPage(opts.kubeConfig, `/api/v1/namespaces/${namespace}/pods`, { labelSelector, limit, continue: token }),
      };
    };
    const podHandlers: Omit<ReflectorHandlers<ReturnType<typeof agentPod> & object>, 'synced'> = {
      reduce: (obj) => agentPod(obj, opts.agents),
      upsert: (pod) => store.upsertAgentPod(pod),
      remove: (key) => store.deletePod(key),
    };

    const add = <S>(kind: string, source: ReflectorSource, given: Omit<ReflectorHandlers<S>, 'synced'>) => {
      const handlers = opts.objects ? feedHandlers(kind, given, store, opts.objects) : given;
      const reflector = new Reflector<S>({
        kind,
        source,
        watch,
        logger: opts.logger,
        handlers: {
          reduce: handlers.reduce,
          upsert: (summary) => {
            store.touch(kind);
            handlers.upsert(summary);
          },
          remove: (key) => {
            store.touch(kind);
            handlers.remove(key);
          },
          synced: () => {
            store.markSynced(kind);
            const guarded = guardedKindOf(kind);
            if (guarded) opts.objects?.markSynced(guarded);
          },
        },
        ...(opts.minBackoffMs ? { minBackoffMs: opts.minBackoffMs, maxBackoffMs: opts.minBackoffMs * 8 } : {}),
      });
      this.reflectors.push(reflector as unknown as Reflector<never>);
    };

    add(
      'nodes',
      { watchPath: '/api/v1/nodes', pageSize: nodePageSize, list: (limit, token) => listPage(opts.kubeConfig, '/api/v1/nodes', { limit, continue: token }) },
      { reduce: nodeInfo, upsert: (n) => store.upsertNode(n), remove: (key) => store.deleteNode(key) },
    );
    add('cilium-agents', agentList(opts.agents.cilium), podHandlers);
    if (opts.objects && opts.ciliumPolicies) {
      const cilium = { group: 'cilium.io', version: 'v2', plural: 'ciliumegressgatewaypolicies' };
      add(
        cilium.plural,
        {
          watchPath: `/apis/${cilium.group}/${cilium.version}/${cilium.plural}`,
          list: (limit, token) => page(this.custom.listClusterCustomObject({ ...cilium, limit, ...(token ? { _continue: token } : {}) })),
        },
        // Nothing of them goes into the indexed state: no rule reads them; the object store keeps them whole.
        { reduce: (obj) => (stringAt(obj, 'metadata', 'name') ? { name: stringAt(obj, 'metadata', 'name') } : undefined), upsert: () => undefined, remove: () => undefined },
      );
    }
    if (!deckhouse) return;
    // Not a watched kind for /readyz: without the CRD (or the permission) the render check uses its bundled schema.
    const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };
    add('cilium-crd', ciliumCRDSource((fieldSelector, limit, token) => this.custom.listClusterCustomObject({ ...crds, fieldSelector, limit, ...(token ? { _continue: token } : {}) })), ciliumCRDHandlers(store, opts.logger));
    add('egress-gateway-agents', agentList(opts.agents.egressGateway), podHandlers);
    add('egressgateways', customList('egressgateways'), { reduce: gatewayInfo, upsert: (g) => store.upsertGateway(g), remove: (key) => store.deleteGateway(key) });
    add('egressgatewaypolicies', customList('egressgatewaypolicies'), {
      reduce: policyInfo,
      upsert: (p) => store.upsertPolicy(p),
      remove: (key) => store.deletePolicy(key),
    });
  }

  start(): void {
    for (const r of this.reflectors) r.start();
  }

  stop(): void {
    for (const r of this.reflectors) r.stop();
  }

  /** A GET at the API server: the cache may not have seen a gateway created a moment ago. */
  async fetchGateway(name: string): Promise<GatewayInfo | undefined> {
    try {
      const obj = await withTimeout(
        this.custom.getClusterCustomObject({ group: egressGroup, version, plural: 'egressgateways', name }),
        this.lookupTimeoutMs,
        `GET egressgateway ${name}`,
      );
      return gatewayInfo(obj);
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }
}
