import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AgentSelectors, deckhouseAgents } from '../cluster/agents.js';
import { defaultRulesConfig, type RulesConfig } from '../resources/config.js';
import { defaultBodyLimit } from '../server/app.js';

// Flags of `egress-gateway-webhook serve`. Every default is what `npm start` needs on a fresh clone.

export const exampleClusterState = fileURLToPath(new URL('../../../examples/cluster-state.yaml', import.meta.url));

export interface ServeOptions {
  host: string;
  port: number;
  certDir: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  clusterState: string[];
  agents: AgentSelectors;
  rules: RulesConfig;
  bodyLimit: number;
  logLevel: string;
}

export class UsageError extends Error {}

export const serveUsage = `Usage: egress-gateway-webhook serve [flags]

  --host ADDR                       listen address (default 127.0.0.1)
  --port N                          HTTPS port (default 8443)
  --cert-dir DIR                    where ca.crt, tls.crt, tls.key are read or generated (default certs)
  --tls-cert-file FILE              serving certificate (with --tls-key-file; nothing is generated)
  --tls-key-file FILE               its private key
  --cluster-state FILE              YAML cluster state, repeatable (default examples/cluster-state.yaml)
  --agents-namespace NS             namespace of the cilium and egress-gateway agents (default d8-cni-cilium)
  --cilium-agent-labels K=V,...     labels of cilium agent pods (default app=agent,module=cni-cilium)
  --egress-agent-labels K=V,...     labels of egress-gateway agent pods (default app=egress-gateway-agent)
  --default-node-selector K=V,...   nodeSelector filled into gateways without one (default node-role.deckhouse.io/egress=)
  --default-destination-cidrs C,... destinationCIDRs filled into policies without them (default 0.0.0.0/0)
  --on-delete-in-use deny|warn      DELETE of a gateway that policies name (default deny)
  --on-unchecked-reference allow|deny  reference that could not be checked (default allow, with a warning)
  --unknown-fields deny|warn        fields the schema does not know (default deny)
  --body-limit BYTES                largest request body (default ${defaultBodyLimit})
  --log-level LEVEL                 pino level (default info)
`;

/** "a=b,c=" → {a: "b", c: ""}; an empty string is the empty map. */
export function parseLabelMap(flag: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag}: "${pair}" is not key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return n;
}

export function parseServeOptions(args: string[]): ServeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'cert-dir': { type: 'string' },
        'tls-cert-file': { type: 'string' },
        'tls-key-file': { type: 'string' },
        'cluster-state': { type: 'string', multiple: true },
        'agents-namespace': { type: 'string' },
        'cilium-agent-labels': { type: 'string' },
        'egress-agent-labels': { type: 'string' },
        'default-node-selector': { type: 'string' },
        'default-destination-cidrs': { type: 'string' },
        'on-delete-in-use': { type: 'string' },
        'on-unchecked-reference': { type: 'string' },
        'unknown-fields': { type: 'string' },
        'body-limit': { type: 'string' },
        'log-level': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if ((values['tls-cert-file'] === undefined) !== (values['tls-key-file'] === undefined)) {
    throw new UsageError('--tls-cert-file and --tls-key-file go together');
  }
  const port = values.port === undefined ? 8443 : Number(values.port);
  // 0 asks the kernel for a free port (tests); the listen line in the log says which.
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
  const rules: RulesConfig = {
    defaultNodeSelector:
      values['default-node-selector'] === undefined
        ? defaultRulesConfig.defaultNodeSelector
        : parseLabelMap('--default-node-selector', values['default-node-selector']),
    defaultDestinationCIDRs:
      values['default-destination-cidrs'] === undefined
        ? defaultRulesConfig.defaultDestinationCIDRs
        : values['default-destination-cidrs'].split(',').filter((c) => c !== ''),
    deleteInUse: oneOf('--on-delete-in-use', values['on-delete-in-use'], ['deny', 'warn'], defaultRulesConfig.deleteInUse),
    uncheckedReference: oneOf('--on-unchecked-reference', values['on-unchecked-reference'], ['allow', 'deny'], defaultRulesConfig.uncheckedReference),
    unknownFields: oneOf('--unknown-fields', values['unknown-fields'], ['deny', 'warn'], defaultRulesConfig.unknownFields),
  };
  const agents: AgentSelectors = {
    namespace: values['agents-namespace'] ?? deckhouseAgents.namespace,
    cilium: values['cilium-agent-labels'] === undefined ? deckhouseAgents.cilium : parseLabelMap('--cilium-agent-labels', values['cilium-agent-labels']),
    egressGateway:
      values['egress-agent-labels'] === undefined ? deckhouseAgents.egressGateway : parseLabelMap('--egress-agent-labels', values['egress-agent-labels']),
  };
  const opts: ServeOptions = {
    host: values.host ?? '127.0.0.1',
    port,
    certDir: values['cert-dir'] ?? 'certs',
    clusterState: values['cluster-state'] ?? [exampleClusterState],
    agents,
    rules,
    bodyLimit: positiveInt('--body-limit', values['body-limit'], defaultBodyLimit),
    logLevel: values['log-level'] ?? 'info',
  };
  if (values['tls-cert-file'] !== undefined) opts.tlsCertFile = values['tls-cert-file'];
  if (values['tls-key-file'] !== undefined) opts.tlsKeyFile = values['tls-key-file'];
  return opts;
}
