import type { ClusterState, GatewayInfo } from '../cluster/state.js';
import type { RulesConfig } from './config.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** A referenced gateway as resolved before the rules run (the only asynchronous step of a review). */
export type GatewayReference =
  | { status: 'found'; gateway: GatewayInfo }
  | { status: 'missing' }
  | { status: 'unchecked'; reason: string };

/** Everything a rule may read; rules are pure functions of it. */
export interface ReviewInput {
  operation: Operation;
  /** The object as it will be stored; for DELETE, the object being deleted. */
  object: unknown;
  oldObject: unknown;
  name: string;
  state: ClusterState;
  config: RulesConfig;
  gatewayRef?: GatewayReference;
}
