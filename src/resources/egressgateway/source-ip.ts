import type { ClusterState } from '../../cluster/state.js';
import { duplicate, forbidden, invalid, notSupported, required } from '../../rules/field.js';
import type { Findings } from '../../rules/findings.js';
import { checkInterfaceName } from '../../rules/interface-name.js';
import { checkUnicastAddress } from '../../rules/address.js';
import { parseIP } from '../../rules/ip.js';
import { FieldPath } from '../../rules/path.js';
import { didYouMean, quoteList } from '../../rules/suggest.js';
import { isPlainObject, stringAt } from '../../rules/values.js';
import { blockOfMode, fieldOfMode, type Mode, modes } from './schema.js';

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
  if (mode === undefined || mode === '' || typeof mode !== 'string' || !isMode(mode)) {
    // Only then: every review with a valid mode (nearly all) skips the list it makes.
    checkOddMode(sourceIP, mode, f);
    return;
  }
  const own = blockOfMode[mode];
  const block = sourceIP[own];
  if (block === undefined) {
    f.error('gateway-mode-block', required(sourceIPPath.child(own), `must be set when mode is ${JSON.stringify(mode)}`));
  } else {
    requireBlockField(sourceIP, mode, f);
  }
  for (const other of modes) {
    const block = blockOfMode[other];
    if (other === mode || sourceIP[block] === undefined) continue;
    f.error(
      'gateway-mode-block',
      forbidden(sourceIPPath.child(block), `must not be set when mode is ${JSON.stringify(mode)}; remove it, or set mode to ${JSON.stringify(other)}`),
    );
  }
}

/**
 * A mode that is missing, not a string or not one of the two: its error, and the block that is there judged as
 * the mode it stands for, so that one answer lists every problem.
 */
function checkOddMode(sourceIP: Record<string, unknown>, mode: unknown, f: Findings): void {
  const path = sourceIPPath.child('mode');
  const fromBlock = modeFromBlocks(sourceIP);
  if (mode === undefined || mode === '') f.error('gateway-mode', required(path, supported));
  else if (typeof mode === 'string') {
    const hint = didYouMean(mode, modes) || (fromBlock ? `did you mean ${JSON.stringify(fromBlock)}?` : '');
    f.error('gateway-mode', notSupported(path, mode, modes, hint));
  }
  if (fromBlock) requireBlockField(sourceIP, fromBlock, f);
}

/** The field the block of `mode` must hold, when the block is there. */
function requireBlockField(sourceIP: Record<string, unknown>, mode: Mode, f: Findings): void {
  const block = sourceIP[blockOfMode[mode]];
  if (isPlainObject(block) && block[fieldOfMode[mode]] === undefined && f.keepsError('schema-required')) {
    f.error('schema-required', required(sourceIPPath.child(blockOfMode[mode]).child(fieldOfMode[mode])));
  }
}

export function checkInterfaces(sourceIP: unknown, f: Findings): void {
  const primary = sourceIPPath.child('primaryIPFromEgressGatewayNodeInterface');
  const name = stringAt(sourceIP, 'primaryIPFromEgressGatewayNodeInterface', 'interfaceName');
  if (name !== undefined) checkInterfaceName(primary.child('interfaceName'), name, f);

  const list = isPlainObject(sourceIP) && isPlainObject(sourceIP['virtualIPAddress']) ? sourceIP['virtualIPAddress']['interfaces'] : undefined;
  if (!Array.isArray(list)) return;
  const path = sourceIPPath.child('virtualIPAddress').child('interfaces');
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    if (typeof entry !== 'string') return;
    checkInterfaceName(path.index(i), entry, f);
    if (entry.startsWith('cilium_') || entry.startsWith('lxc')) {
      f.error(
        'gateway-interface-unannounced',
        invalid(path.index(i), entry, `Cilium's own device: the egress-gateway agent never announces the virtual IP on cilium_* or lxc* interfaces; name the uplink, e.g. "eth1"`),
      );
    }
    if (seen.has(entry)) f.error('interface-name', duplicate(path.index(i), entry));
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
  if (text === '') {
    f.error('gateway-virtual-ip', required(path, 'an IPv4 or IPv6 address, e.g. "172.18.18.242"'));
    return;
  }
  const checked = checkUnicastAddress(text, {
    example: '172.18.18.242',
    instead: "use a free unicast address on the egress nodes' public network",
  });
  if ('problem' in checked) {
    f.error('gateway-virtual-ip', invalid(path, text, checked.problem));
    return;
  }
  const { ip } = checked;
  const unchanged = ctx.oldIP !== undefined && parseIP(ctx.oldIP)?.canonical === ip.canonical;
  const others = ctx.state.gatewaysWithVirtualIP(ip.canonical).filter((n) => n !== ctx.name);
  if (others.length > 0) {
    const owner = `EgressGateway ${quoteList(others)}`;
    if (unchanged) f.warn('gateway-virtual-ip-in-use', `virtual IP ${ip.canonical} is also used by ${owner}; give each gateway its own`, path);
    else f.error('gateway-virtual-ip-in-use', duplicate(path, text, `already the virtual IP of ${owner}; each gateway needs its own address`));
  }
  const node = ctx.state.nodeWithAddress(ip.canonical);
  if (node) {
    if (unchanged) f.warn('gateway-virtual-ip-node-address', `virtual IP ${ip.canonical} is the ${node.type} of node ${node.node}; pick an address no node uses`, path);
    else
      f.error(
        'gateway-virtual-ip-node-address',
        invalid(path, text, `is the ${node.type} of node ${JSON.stringify(node.node)}; a virtual IP must be an address no node uses`),
      );
  }
}
