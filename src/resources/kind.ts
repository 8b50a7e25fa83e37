import type { Findings } from '../rules/findings.js';
import type { Staged } from '../rules/stages.js';
import type { KindName } from '../rules/catalogue.js';
import type { RulesConfig } from './config.js';
import type { ReviewInput } from './review-input.js';
import type { SchemaNode } from './schema.js';

// One descriptor per kind: everything the admission layer, the offline command and the docs need to know of it.
// A new kind is one folder exporting a descriptor, plus one line in the registry.

/** The parts of the cluster state a kind's rules read (the live state watches what the enabled kinds read). */
export type StatePart = 'nodes' | 'agents' | 'gateways' | 'policies';

/** A field to fill when the object has nothing there (SPEC §4); the admission layer turns these into a JSON Patch. */
export interface Default {
  path: readonly string[];
  value: unknown;
}

/** Another object this one names; resolved (from the cache, else by a live lookup) before the rules run. */
export interface Reference {
  kind: 'EgressGateway';
  name(object: unknown): string | undefined;
}

export interface KindDescriptor {
  group: string;
  version: string;
  kind: KindName;
  /** The resource name in URLs and webhook rules. */
  plural: string;
  /** Structure of the object (types, required and unknown fields). */
  schema: SchemaNode;
  /** Defaults for an object being created or updated; computed from the object, which is not changed. */
  defaults(object: Record<string, unknown>, config: RulesConfig): Default[];
  /** CREATE and UPDATE (input.oldObject is set for UPDATE); yields between its stages (see rules/stages.ts). */
  validateWrite(input: ReviewInput): Staged<Findings>;
  /** DELETE (input.object is the object being deleted); absent when deleting is always fine. */
  validateDelete?(input: ReviewInput): Findings;
  references: readonly Reference[];
  /** The parts of the cluster state its rules read. */
  reads: readonly StatePart[];
}
