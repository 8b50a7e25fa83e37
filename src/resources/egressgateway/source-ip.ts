import type { ClusterState } from '../../cluster/state.js';
import type { Findings } from '../../rules/findings.js';
import { interfaceNameErrors } from '../../rules/interface-name.js';
import { checkUnicastAddress } from '../../rules/address.js';
import { parseIP } from '../../rules/ip.js';
import { FieldPath } from '../../rules/path.js';
import { didYouMean, quoteList } from '../../rules/suggest.js';
import { isPlainObject, stringAt } from '../../rules/values.js';
import { blockOfMode, type Mode, modes } from './schema.js';

const sourceIPPath = FieldPath.root('spec').child('sourceIP');

export function isMode(v: unknown): v is Mode {
  return (modes as readonly unknown[]).includes(v);
}

/** The mode whose block alone is present, if exactly one is. */
export function modeFromBlocks(sourceIP: Record<string, unknown>): Mode | undefined {
  const present = modes.filter((m) => sourceIP[blockOfMode[m]] !== undefined);
  return present.length === 1 ? present[0] : undefined;
}

const supported = `supported values: ${quoteList(modes)}`;

/** mode is one of the two, its block is there and the other mode's block is not. */
export function checkMode(sourceIP: unknown, f: Findings): void {
  if (!isPlainObject(sourceIP)) return;
  const mode = sourceIP['mode'];
  const field = String(sourceIPPath.child('mode'));
  if (mode === undefined || mode === '') {
    f.error({ rule: 'gateway-mode', type: 'Required value', field, detail: supported });
    return;
  }
  if (typeof mode !== 'string') return;
  if (!isMode(mode)) {
    const fromBlock = modeFromBlocks(sourceIP);
    const hint = didYouMean(mode, modes) || (fromBlock ? `did you mean ${JSON.stringify(fromBlock)}?` : '');
    f.error({ rule: 'gateway-mode', type: 'Unsupported value', field, value: mode, detail: hint ? `${supported}; ${hint}` : supported });
    return;
  }
  const own = blockOfMode[mode];
  if (sourceIP[own] === undefined) {
    f.error({
      rule: 'gateway-mode-block',
      type: 'Required value',
      field: String(sourceIPPath.child(own)),
      detail: `must be set when mode is ${JSON.stringify(mode)}`,
    });
  }
  for (const other of modes) {
    const block = blockOfMode[other];
    if (other === mode || sourceIP[block] === undefined) continue;
    f.error({
      rule: 'gateway-mode-block',
      type: 'Forbidden',
      field: String(sourceIPPath.child(block)),
      detail: `must not be set when mode is ${JSON.stringify(mode)}; remove it, or set mode to ${JSON.stringify(other)}`,
    });
  }
}

export function checkInterfaces(sourceIP: unknown, f: Findings): void {
  const primary = sourceIPPath.child('primaryIPFromEgressGatewayNodeInterface');
  const name = stringAt(sourceIP, 'primaryIPFromEgressGatewayNodeInterface', 'interfaceName');
  if (name !== undefined) f.addAll(interfaceNameErrors(primary.child('interfaceName'), name, 'gateway-interface'));

  const list = isPlainObject(sourceIP) && isPlainObject(sourceIP['virtualIPAddress']) ? sourceIP['virtualIPAddress']['interfaces'] : undefined;
  if (!Array.isArray(list)) return;
  const path = sourceIPPath.child('virtualIPAddress').child('interfaces');
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    f.addAll(interfaceNameErrors(path.index(i), entry, 'gateway-interface'));
    if (seen.has(entry)) f.error({ rule: 'gateway-interface', type: 'Duplicate value', field: String(path.index(i)), value: entry });
    seen.add(entry);
  });
}

/**
 * virtualIPAddress.ip: one unicast address, free in the cluster. Conflicts with other objects are
 * ratcheted: an UPDATE that keeps the address it already had only warns, so it can still be edited.
 */
export function checkVirtualIP(
  sourceIP: unknown,
  ctx: { name: string; oldIP: string | undefined; state: ClusterState },
  f: Findings,
): void {
  const text = stringAt(sourceIP, 'virtualIPAddress', 'ip');
  if (text === undefined) return;
  const path = sourceIPPath.child('virtualIPAddress').child('ip');
  const field = String(path);
  const invalid = (detail: string) => f.error({ rule: 'gateway-virtual-ip', type: 'Invalid value', field, value: text, detail });
  if (text === '') {
    f.error({ rule: 'gateway-virtual-ip', type: 'Required value', field, detail: 'an IPv4 or IPv6 address, e.g. "172.18.18.242"' });
    return;
  }
  const checked = checkUnicastAddress(path, text, {
    rule: 'gateway-virtual-ip',
    example: '172.18.18.242',
    instead: "use a free unicast address on the egress nodes' public network",
  });
  if ('error' in checked) {
    f.error(checked.error);
    return;
  }
  const { ip } = checked;
  const unchanged = ctx.oldIP !== undefined && parseIP(ctx.oldIP)?.canonical === ip.canonical;
  const others = ctx.state.gatewaysWithVirtualIP(ip.canonical).filter((n) => n !== ctx.name);
  if (others.length > 0) {
    const owner = `EgressGateway ${quoteList(others)}`;
    if (unchanged) f.warn('gateway-virtual-ip', `virtual IP ${ip.canonical} is also used by ${owner}; give each gateway its own`);
    else
      f.error({
        rule: 'gateway-virtual-ip',
        type: 'Duplicate value',
        field,
        value: text,
        detail: `already the virtual IP of ${owner}; each gateway needs its own address`,
      });
  }
  const node = ctx.state.nodeWithAddress(ip.canonical);
  if (node) {
    if (unchanged) f.warn('gateway-virtual-ip', `virtual IP ${ip.canonical} is the ${node.type} of node ${node.node}; pick an address no node uses`);
    else invalid(`is the ${node.type} of node ${JSON.stringify(node.node)}; a virtual IP must be an address no node uses`);
  }
}
