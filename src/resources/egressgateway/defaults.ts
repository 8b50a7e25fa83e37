import { isPlainObject } from '../../rules/values.js';
import type { RulesConfig } from '../config.js';
import type { Default } from '../kind.js';
import { modeFromBlocks } from './source-ip.js';

/** SPEC §4: infer an absent mode from the one block present; default an absent nodeSelector. */
export function defaultEgressGateway(object: Record<string, unknown>, config: RulesConfig): Default[] {
  const defaults: Default[] = [];
  const spec = object['spec'];
  const sourceIP = isPlainObject(spec) ? spec['sourceIP'] : undefined;
  if (isPlainObject(sourceIP) && sourceIP['mode'] === undefined) {
    const mode = modeFromBlocks(sourceIP);
    if (mode) defaults.push({ path: ['spec', 'sourceIP', 'mode'], value: mode });
  }
  defaults.push({ path: ['spec', 'nodeSelector'], value: config.defaultNodeSelector });
  return defaults;
}
