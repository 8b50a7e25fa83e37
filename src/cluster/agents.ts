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

export function labelsMatch(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}
