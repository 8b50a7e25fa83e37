// Which pods are the agents whose readiness makes a node eligible (SPEC §1), configurable because
// Deckhouse and upstream Cilium deploy them differently.

export interface AgentSelectors {
  namespace: string;
  cilium: Readonly<Record<string, string>>;
  egressGateway: Readonly<Record<string, string>>;
}

export const deckhouseAgents: AgentSelectors = {
  namespace: 'd8-cni-cilium',
  cilium: { app: 'agent', module: 'cni-cilium' },
  egressGateway: { app: 'egress-gateway-agent' },
};

/** Upstream Cilium's Helm chart: the agent DaemonSet "cilium" in kube-system. */
export const upstreamCiliumAgents: AgentSelectors = {
  namespace: 'kube-system',
  cilium: { 'k8s-app': 'cilium' },
  egressGateway: deckhouseAgents.egressGateway,
};

export const agentPresets = { deckhouse: deckhouseAgents, cilium: upstreamCiliumAgents } as const;
