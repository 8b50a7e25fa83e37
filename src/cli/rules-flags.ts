import { type AgentSelectors, agentPresets } from '../cluster/agents.js';
import { kindNames } from '../rules/catalogue.js';
import { defaultRulesConfig, type RulesConfig } from '../resources/config.js';
import { reservedLabelPrefix } from '../resources/egressgateway/validate.js';
import { checkCIDR } from '../rules/cidrs.js';
import type { RuleId } from '../rules/catalogue.js';
import { errorBody, type FieldError } from '../rules/field.js';
import { labelMapErrors } from '../rules/labels.js';
import { FieldPath } from '../rules/path.js';
import { setOwn } from '../rules/values.js';
import { oneOf, UsageError } from './flags.js';

// Flags that tune the rules, shared by `serve` and `validate` so both decide alike.

export const rulesFlagOptions = {
  kinds: { type: 'string' },
  agents: { type: 'string' },
  'agents-namespace': { type: 'string' },
  'cilium-agent-labels': { type: 'string' },
  'egress-agent-labels': { type: 'string' },
  'default-node-selector': { type: 'string' },
  'default-destination-cidrs': { type: 'string' },
  'on-delete-in-use': { type: 'string' },
  'on-unchecked-reference': { type: 'string' },
  'unknown-fields': { type: 'string' },
} as const;

export const rulesFlagUsage = `  --kinds KIND,...                  kinds checked (default ${kindNames.join(',')})
  --agents deckhouse|cilium         where the agents run: Deckhouse's cni-cilium module (default), or upstream
                                    Cilium (kube-system, k8s-app=cilium); the three flags below override it
  --agents-namespace NS             namespace of the cilium and egress-gateway agents (default d8-cni-cilium)
  --cilium-agent-labels K=V,...     labels of cilium agent pods (default app=agent,module=cni-cilium)
  --egress-agent-labels K=V,...     labels of egress-gateway agent pods (default app=egress-gateway-agent)
  --default-node-selector K=V,...   nodeSelector filled into gateways without one (default dedicated/egress=)
  --default-destination-cidrs C,... destinationCIDRs filled into policies without them (default 0.0.0.0/0)
  --on-delete-in-use deny|warn      DELETE of a gateway that policies name (default deny)
  --on-unchecked-reference allow|deny  reference that could not be checked (default allow, with a warning)
  --unknown-fields deny|warn        fields the schema does not know (default deny)
`;

type RulesFlagValues = { [K in keyof typeof rulesFlagOptions]?: string | undefined };

/** "a=b,c=" → {a: "b", c: ""}; an empty string is the empty map. */
export function parseLabelMap(flag: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag}: "${pair}" is not key=value`);
    setOwn(out, pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/**
 * A default is injected into every object that lacks the field, so it must pass the rule that field meets;
 * else every such object would be denied (or stored broken). The error names the flag, the value and the rule.
 */
function defaultError(flag: string, rule: RuleId, e: FieldError): UsageError {
  return new UsageError(`${flag}: ${errorBody(e)} (the default breaks rule ${rule}, which every object it fills in would then fail)`);
}

/** A default that every object it fills in would be warned about: a mistake in the flag, not in the objects. */
function warnedDefault(flag: string, rule: RuleId, why: string): UsageError {
  return new UsageError(`${flag}: ${why} (the default would bring warning ${rule} to every object it fills in)`);
}

function defaultNodeSelectorFrom(text: string): Record<string, string> {
  const flag = '--default-node-selector';
  const map = parseLabelMap(flag, text);
  const [first] = labelMapErrors(FieldPath.root('spec').child('nodeSelector'), map);
  if (first) throw defaultError(flag, 'gateway-node-selector', first);
  const keys = Object.keys(map);
  if (keys.length === 0) throw warnedDefault(flag, 'gateway-empty-node-selector', 'an empty selector makes every node of the cluster an egress candidate; give key=value, e.g. dedicated/egress=');
  const reserved = keys.find((k) => k.startsWith(reservedLabelPrefix));
  if (reserved) throw warnedDefault(flag, 'gateway-reserved-node-label', `${reserved}: keys under ${reservedLabelPrefix} are reserved by Deckhouse, which alerts on them; use e.g. dedicated/egress=`);
  return map;
}

function defaultDestinationCIDRsFrom(text: string): string[] {
  const cidrs = text.split(',').filter((c) => c !== '');
  if (cidrs.length === 0) throw warnedDefault('--default-destination-cidrs', 'destinations-empty', 'an empty list routes nothing; give cidr,..., e.g. 0.0.0.0/0');
  cidrs.forEach((c, i) => {
    const checked = checkCIDR(FieldPath.root('spec').child('destinationCIDRs').index(i), c);
    if ('error' in checked) throw defaultError('--default-destination-cidrs', 'cidr-invalid', checked.error);
  });
  return cidrs;
}

export function rulesConfigFrom(values: RulesFlagValues): RulesConfig {
  const selector = values['default-node-selector'];
  const cidrs = values['default-destination-cidrs'];
  return {
    kinds: values.kinds === undefined ? defaultRulesConfig.kinds : parseKinds(values.kinds),
    defaultNodeSelector: selector === undefined ? defaultRulesConfig.defaultNodeSelector : defaultNodeSelectorFrom(selector),
    defaultDestinationCIDRs: cidrs === undefined ? defaultRulesConfig.defaultDestinationCIDRs : defaultDestinationCIDRsFrom(cidrs),
    deleteInUse: oneOf('--on-delete-in-use', values['on-delete-in-use'], ['deny', 'warn'], defaultRulesConfig.deleteInUse),
    uncheckedReference: oneOf('--on-unchecked-reference', values['on-unchecked-reference'], ['allow', 'deny'], defaultRulesConfig.uncheckedReference),
    unknownFields: oneOf('--unknown-fields', values['unknown-fields'], ['deny', 'warn'], defaultRulesConfig.unknownFields),
  };
}

function parseKinds(text: string): string[] {
  const kinds = text.split(',').filter((k) => k !== '');
  if (kinds.length === 0) throw new UsageError(`--kinds: name at least one of ${kindNames.join(', ')}`);
  for (const k of kinds) oneOf('--kinds', k, kindNames, k);
  return [...new Set(kinds)];
}

export function agentSelectorsFrom(values: RulesFlagValues): AgentSelectors {
  const preset = agentPresets[oneOf('--agents', values.agents, ['deckhouse', 'cilium'], 'deckhouse')];
  const cilium = values['cilium-agent-labels'];
  const egress = values['egress-agent-labels'];
  return {
    namespace: values['agents-namespace'] ?? preset.namespace,
    cilium: cilium === undefined ? preset.cilium : parseLabelMap('--cilium-agent-labels', cilium),
    egressGateway: egress === undefined ? preset.egressGateway : parseLabelMap('--egress-agent-labels', egress),
  };
}
