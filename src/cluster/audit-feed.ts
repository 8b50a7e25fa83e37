import { stringAt } from '../rules/values.js';
import type { MemoryClusterState } from './memory-state.js';
import { agentNodes, type GuardedKind, nodeChanged, type ObjectStore } from './object-store.js';
import type { AgentPod } from './objects.js';
import type { ReflectorHandlers } from './reflector.js';
import type { GatewayInfo, NodeInfo, PolicyInfo } from './state.js';

// Wraps the reflector handlers of the live state so that, besides filling the indexed store, they keep the whole
// objects of the guarded kinds and say what changed (old and new summary), which is all the auditor needs to
// re-check only the objects a change affects. Without an ObjectStore the live state does none of this.

type Handlers<S> = Omit<ReflectorHandlers<S>, 'synced'>;

const guardedKinds: Readonly<Record<string, GuardedKind>> = {
  egressgateways: 'EgressGateway',
  egressgatewaypolicies: 'EgressGatewayPolicy',
  ciliumegressgatewaypolicies: 'CiliumEgressGatewayPolicy',
};

/** The guarded kind a watched kind is, if it is one. */
export function guardedKindOf(kind: string): GuardedKind | undefined {
  return guardedKinds[kind];
}

/** The handlers of one watched kind, feeding `objects` as well. */
export function feedHandlers<S>(kind: string, handlers: Handlers<S>, store: MemoryClusterState, objects: ObjectStore): Handlers<S> {
  const guarded = guardedKinds[kind];
  if (guarded) {
    // reduce() sees the raw object and upsert() only the summary: the raw one waits here in between
    // (a relist reduces every page first and applies them in one step).
    const raw = new Map<string, unknown>();
    return {
      reduce: (obj) => {
        const summary = handlers.reduce(obj);
        const name = stringAt(obj, 'metadata', 'name');
        if (name !== undefined && summary !== undefined) raw.set(name, obj);
        return summary;
      },
      upsert: (summary) => {
        const name = (summary as { name: string }).name;
        const before = kind === 'egressgateways' ? store.gateway(name) : kind === 'egressgatewaypolicies' ? store.policy(name) : undefined;
        handlers.upsert(summary);
        const obj = raw.get(name);
        raw.delete(name);
        if (kind === 'egressgateways') objects.emit({ type: 'gateway', name, ...(before ? { before } : {}), after: summary as GatewayInfo });
        if (kind === 'egressgatewaypolicies') objects.emit({ type: 'policy', name, ...(before ? { before } : {}), after: summary as PolicyInfo });
        if (obj !== undefined) objects.put(guarded, obj);
      },
      remove: (key) => {
        raw.delete(key);
        const before = kind === 'egressgateways' ? store.gateway(key) : kind === 'egressgatewaypolicies' ? store.policy(key) : undefined;
        handlers.remove(key);
        if (kind === 'egressgateways' && before) objects.emit({ type: 'gateway', name: key, before });
        if (kind === 'egressgatewaypolicies' && before) objects.emit({ type: 'policy', name: key, before });
        objects.delete(guarded, key);
      },
    };
  }
  if (kind === 'nodes') {
    return {
      reduce: handlers.reduce,
      upsert: (summary) => {
        const after = summary as NodeInfo;
        const before = store.node(after.name);
        handlers.upsert(summary);
        if (nodeChanged(before, after)) objects.emit({ type: 'node', ...(before ? { before } : {}), after });
      },
      remove: (key) => {
        const before = store.node(key);
        handlers.remove(key);
        if (before) objects.emit({ type: 'node', before });
      },
    };
  }
  if (kind !== 'cilium-agents' && kind !== 'egress-gateway-agents') return handlers;
  return {
    reduce: handlers.reduce,
    upsert: (summary) => {
      const after = summary as AgentPod;
      const before = store.pod(after.key);
      handlers.upsert(summary);
      const nodes = agentNodes(before, after);
      if (nodes.length > 0) objects.emit({ type: 'agent', nodes });
    },
    remove: (key) => {
      const before = store.pod(key);
      handlers.remove(key);
      const nodes = agentNodes(before, undefined);
      if (nodes.length > 0) objects.emit({ type: 'agent', nodes });
    },
  };
}
