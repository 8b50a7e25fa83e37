import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AgentSelectors } from '../cluster/agents.js';
import type { RulesConfig } from '../resources/config.js';
import { defaultBodyLimit } from '../server/app.js';
import { agentSelectorsFrom, rulesConfigFrom, rulesFlagOptions, rulesFlagUsage, UsageError } from './rules-flags.js';

// Flags of `egress-gateway-webhook serve`. Every default is what `npm start` needs on a fresh clone.

export const exampleClusterState = fileURLToPath(new URL('../../../examples/cluster-state.yaml', import.meta.url));

export interface ServeOptions {
  host: string;
  port: number;
  certDir: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  clusterState: string[];
  /** Watch a real API server instead of reading files: undefined, or the kubeconfig ('' for the default). */
  kubeconfig?: string;
  agents: AgentSelectors;
  rules: RulesConfig;
  bodyLimit: number;
  logLevel: string;
}

export const serveUsage = `Usage: egress-gateway-webhook serve [flags]

  --host ADDR                       listen address (default 127.0.0.1)
  --port N                          HTTPS port (default 8443)
  --cert-dir DIR                    where ca.crt, tls.crt, tls.key are read or generated (default certs)
  --tls-cert-file FILE              serving certificate (with --tls-key-file; nothing is generated)
  --tls-key-file FILE               its private key
  --cluster-state FILE              YAML cluster state, repeatable (default examples/cluster-state.yaml)
  --live                            watch the cluster instead: in-cluster config, else KUBECONFIG or ~/.kube/config
  --kubeconfig FILE                 watch the cluster of this kubeconfig (implies --live)
${rulesFlagUsage}  --body-limit BYTES                largest request body (default ${defaultBodyLimit})
  --log-level LEVEL                 pino level (default info)
`;

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
        live: { type: 'boolean' },
        kubeconfig: { type: 'string' },
        ...rulesFlagOptions,
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
  const rules = rulesConfigFrom(values);
  const agents = agentSelectorsFrom(values);
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
  const live = values.live === true || values.kubeconfig !== undefined;
  if (live && values['cluster-state'] !== undefined) throw new UsageError('--cluster-state reads files; it does not go with --live or --kubeconfig');
  if (live) opts.kubeconfig = values.kubeconfig ?? '';
  if (values['tls-cert-file'] !== undefined) opts.tlsCertFile = values['tls-cert-file'];
  if (values['tls-key-file'] !== undefined) opts.tlsKeyFile = values['tls-key-file'];
  return opts;
}
