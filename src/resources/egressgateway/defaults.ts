import { type AddOp, addIfAbsent } from '../../admission/patch.js';
import { isPlainObject } from '../../rules/values.js';
import type { RulesConfig } from '../config.js';
import { modeFromBlocks } from './source-ip.js';

/** SPEC §4: infer an absent mode from the one block present; default an absent nodeSelector. */
export function defaultEgressGateway(object: Record<string, unknown>, config: RulesConfig): AddOp[] {
  const ops: AddOp[] = [];
  const spec = object['spec'];
  const sourceIP = isPlainObject(spec) ? spec['sourceIP'] : undefined;
  if (isPlainObject(sourceIP) && sourceIP['mode'] === undefined) {
    const mode = modeFromBlocks(sourceIP);
    const op = mode && addIfAbsent(object, ['spec', 'sourceIP', 'mode'], mode);
    if (op) ops.push(op);
  }
  const op = addIfAbsent(object, ['spec', 'nodeSelector'], config.defaultNodeSelector);
  if (op) ops.push(op);
  return ops;
}
