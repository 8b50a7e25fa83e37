import { createHash } from 'node:crypto';
import type { NodeInfo } from './state.js';

// How the platform elects a gateway's active node (SPEC §1): the eligible nodes sorted on
// sha256(gatewayName + "#" + nodeName), the first one active, the others hot standby. The project can only
// predict this; the platform's own answer is the gateway's status.activeNodeName.

/** The sort key of one node for one gateway, as hex (hex order is byte order). */
export function electionKey(gatewayName: string, nodeName: string): string {
  return createHash('sha256').update(`${gatewayName}#${nodeName}`).digest('hex');
}

export interface Election {
  /** The node the platform is predicted to make active; undefined when no node is eligible. */
  active?: string;
  /** The other eligible nodes, in the order they would take over. */
  standby: string[];
}

/** The predicted election among the eligible nodes. */
export function predictElection(gatewayName: string, eligible: readonly NodeInfo[]): Election {
  const ordered = eligible
    .map((n) => ({ name: n.name, key: electionKey(gatewayName, n.name) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((n) => n.name);
  const [active, ...standby] = ordered;
  return active === undefined ? { standby } : { active, standby };
}
