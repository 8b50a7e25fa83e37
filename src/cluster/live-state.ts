import { CoreV1Api, CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type AgentSelectors } from './agents.js';
import { ciliumCRDHandlers, ciliumCRDSource } from './cilium-crd.js';
import { MemoryClusterState } from './memory-state.js';
import { agentPod, egressGroup, gatewayInfo, nodeInfo, policyInfo } from './objects.js';
import { type ListPage, Reflector, type ReflectorHandlers, type ReflectorSource, statusCodeOf } from './reflector.js';
import type { GatewayInfo } from './state.js';

// Cluster state from the API server: list+watch of Nodes, the two kinds of agent pods, EgressGateways and
// EgressGatewayPolicies, reduced to summaries and indexed in memory. Reviews never wait on the API server,
// except for the one live GET that confirms a missing gateway.

const version = 'v1alpha1';

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
}

const selectorString = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class LiveClusterState extends MemoryClusterState {
  private readonly reflectors: Reflector[] = [];
  private readonly custom: CustomObjectsApi;
  private readonly lookupTimeoutMs: number;

  constructor(opts: LiveStateOptions) {
    const deckhouse = opts.deckhouse ?? true;
    super(deckhouse ? ['nodes', 'cilium-agents', 'egress-gateway-agents', 'egressgateways', 'egressgatewaypolicies'] : ['nodes', 'cilium-agents']);
    this.lookupTimeoutMs = opts.lookupTimeoutMs ?? 2000;
    const core = opts.kubeConfig.makeApiClient(CoreV1Api);
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
      const labelSelector = selectorString(labels);
      return {
        watchPath: `/api/v1/namespaces/${namespace}/pods`,
        labelSelector,
        list: (limit, token) => page(core.listNamespacedPod({ namespace, labelSelector, limit, ...(token ? { _continue: token } : {}) })),
      };
    };
    const podHandlers: Omit<ReflectorHandlers, 'synced'> = {
      upsert: (obj) => {
        const pod = agentPod(obj, opts.agents);
        if (pod) this.upsertAgentPod(pod);
      },
      remove: (key) => this.deletePod(key),
    };

    const add = (kind: string, source: ReflectorSource, handlers: Omit<ReflectorHandlers, 'synced'>) =>
      this.reflectors.push(
        new Reflector({
          kind,
          source,
          watch,
          logger: opts.logger,
          handlers: {
            upsert: (obj) => {
              this.touch(kind);
              handlers.upsert(obj);
            },
            remove: (key) => {
              this.touch(kind);
              handlers.remove(key);
            },
            synced: () => this.markSynced(kind),
          },
          ...(opts.minBackoffMs ? { minBackoffMs: opts.minBackoffMs, maxBackoffMs: opts.minBackoffMs * 8 } : {}),
        }),
      );

    add(
      'nodes',
      { watchPath: '/api/v1/nodes', list: (limit, token) => page(core.listNode({ limit, ...(token ? { _continue: token } : {}) })) },
      {
        upsert: (obj) => {
          const n = nodeInfo(obj);
          if (n) this.upsertNode(n);
        },
        remove: (key) => this.deleteNode(key),
      },
    );
    add('cilium-agents', agentList(opts.agents.cilium), podHandlers);
    if (!deckhouse) return;
    // Not a watched kind for /readyz: without the CRD (or the permission) the render check uses its bundled schema.
    const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };
    add('cilium-crd', ciliumCRDSource((fieldSelector, limit, token) => this.custom.listClusterCustomObject({ ...crds, fieldSelector, limit, ...(token ? { _continue: token } : {}) })), ciliumCRDHandlers(this, opts.logger));
    add('egress-gateway-agents', agentList(opts.agents.egressGateway), podHandlers);
    add('egressgateways', customList('egressgateways'), {
      upsert: (obj) => {
        const g = gatewayInfo(obj);
        if (g) this.upsertGateway(g);
      },
      remove: (key) => this.deleteGateway(key),
    });
    add('egressgatewaypolicies', customList('egressgatewaypolicies'), {
      upsert: (obj) => {
        const p = policyInfo(obj);
        if (p) this.upsertPolicy(p);
      },
      remove: (key) => this.deletePolicy(key),
    });
  }

  start(): void {
    for (const r of this.reflectors) r.start();
  }

  stop(): void {
    for (const r of this.reflectors) r.stop();
  }

  /** A GET at the API server: the cache may not have seen a gateway created a moment ago. */
  override async fetchGateway(name: string): Promise<GatewayInfo | undefined> {
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
