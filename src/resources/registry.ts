import { ciliumEgressGatewayPolicy } from './ciliumegressgatewaypolicy/index.js';
import { egressGateway } from './egressgateway/index.js';
import { egressGatewayPolicy } from './egressgatewaypolicy/index.js';
import type { KindDescriptor } from './kind.js';

/** Every kind the webhook knows. */
export const kinds: readonly KindDescriptor[] = [egressGateway, egressGatewayPolicy, ciliumEgressGatewayPolicy];

/** The checked kind of a request, among the enabled ones. */
export function findKind(group: string, version: string, kind: string, enabled: readonly string[]): KindDescriptor | undefined {
  return kinds.find((k) => k.group === group && k.version === version && k.kind === kind && enabled.includes(k.kind));
}

/** Whether any enabled kind belongs to network.deckhouse.io (whose CRDs, and watches, only Deckhouse clusters have). */
export function needsDeckhouseGroup(enabled: readonly string[]): boolean {
  return kinds.some((k) => k.group === 'network.deckhouse.io' && enabled.includes(k.kind));
}
