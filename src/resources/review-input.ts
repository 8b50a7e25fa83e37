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
  /**
   * platformSchema: only the checks that can find an error of a rule flagged `platformSchema` in the catalogue
   * are wanted (the mutating webhook asks this of every review before its patch); a kind's validation may stop
   * once they have run, and no referenced object is looked up. Absent: the whole validation.
   */
  scope?: 'platformSchema';
}
