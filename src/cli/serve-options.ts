import { readFileSync } from 'node:fs';
import { defaultLimits } from '../server/app.js';
import type { ServeOptions } from '../server/options.js';
import { defaultAuditOptions } from '../server/audit-options.js';
import { certificateFlagOptions, certificateParamsFrom } from './certificate-flags.js';
import { oneOf, parseFlags, positiveInt, UsageError } from './flags.js';
import { exampleClusterState } from './paths.js';
import { agentSelectorsFrom, rulesConfigFrom, rulesFlagOptions, rulesFlagUsage } from './rules-flags.js';

// Flags of `egress-gateway-webhook serve`. Every default is what `npm start` needs on a fresh clone.

export { exampleClusterState };

export const serveUsage = `Usage: egress-gateway-webhook serve [flags]

  --host ADDR                       listen address (default 127.0.0.1); a name is served on its first address
  --port N                          HTTPS port (default 8443)
  --cert-dir DIR                    where ca.crt, tls.crt, tls.key are read or generated (default certs)
  --tls-cert-file FILE              serving certificate (with --tls-key-file; nothing is generated)
  --tls-key-file FILE               its private key; both files are re-read and reloaded when they change
  --tls-reload-interval SECONDS     how often those files are re-read (default 10)
  --tls-secret NAME                 keep CA and serving certificate in this Secret (made by the first replica)
  --namespace NS                    the Secret's and Service's namespace (default: the pod's)
  --service NAME                    the webhook's Service, for the certificate's names (default egress-gateway-webhook)
  --san NAME|IP                     an extra name or IP in the certificate, repeatable
  --webhook-config NAME             write the caBundle into this Validating- and MutatingWebhookConfiguration
  --tls-renew-before DAYS           renew certificates expiring within this (default 30)
  --tls-check-interval SECONDS      how often the Secret and caBundle are checked (default 60)
  --cert-days N, --ca-days N        validity of new certificates (default 365, 3650)
  --key-type ec|rsa                 key of new certificates (default ec)
  --cluster-state FILE              YAML cluster state, repeatable (default examples/cluster-state.yaml)
  --live                            watch the cluster instead: in-cluster config, else KUBECONFIG or ~/.kube/config
  --kubeconfig FILE                 watch the cluster of this kubeconfig (implies --live)
${rulesFlagUsage}  --enforcement deny|warn           warn: allow what would be denied, with each field error as a warning (default deny)
  --body-limit BYTES                largest request body (default ${defaultLimits.bodyLimit})
  --keep-alive-timeout SECONDS      idle keep-alive connections are closed after this (default 120)
  --request-timeout SECONDS         a request must arrive whole within this (default 30)
  --headers-timeout SECONDS         request headers must arrive within this (default 10)
  --handshake-timeout SECONDS       the TLS handshake must be done within this (default 10)
  --max-connections N               open connections at most; more are closed at once (default ${defaultLimits.maxConnections})
  --body-bytes-in-flight BYTES      bodies over 16 KiB being received at once, all connections (default ${defaultLimits.bodyBytesInFlight})
  --metrics-host ADDR               listen address of /metrics (default: --host)
  --metrics-port N                  plain-HTTP port of /metrics (default 9090; 0: any free port)
  --shutdown-delay SECONDS          after SIGTERM, keep serving with /readyz failing this long (default 0)
  --shutdown-grace-period SECONDS   after SIGTERM, the longest wait for in-flight requests (default 25)
  --log-level LEVEL                 pino level: fatal, error, warn, info, debug, trace (default info)
  --no-audit                        with --live: do not audit the stored objects (admission only)
  --audit-interval SECONDS          between full audit passes (default 600; 0: only re-check what changes touch)
  --audit-debounce SECONDS          changes within this window are re-checked together (default 1)
  --audit-reports auto|openreports|wgpolicyk8s|none
                                    where reports go (default auto: openreports.io if installed, else wgpolicyk8s.io)
  --no-audit-events                 write no Kubernetes Events for audit findings
  --audit-lease NAME                the Lease electing the replica that writes reports and events, in --namespace
                                    (default ${defaultAuditOptions.lease.name})
  --audit-gateway-series N          per-gateway metric series at most (default ${defaultAuditOptions.gatewaySeriesCap})
  -h, --help                        print this
`;

/** The pod's namespace: POD_NAMESPACE (downward API), else the service account's namespace file. */
function podNamespace(): string | undefined {
  if (process.env['POD_NAMESPACE']) return process.env['POD_NAMESPACE'];
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** 0 asks the kernel for a free port (tests); the listen line in the log says which. */
function portNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a whole number from 0 to 65535, got "${value}"`);
  return n;
}

/** Seconds on the command line, milliseconds inside. */
function seconds(flag: string, value: string | undefined, fallbackMs: number, zeroAllowed = false): number {
  if (value === undefined) return fallbackMs;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroAllowed)) throw new UsageError(`${flag} must be a number of seconds${zeroAllowed ? '' : ' above 0'}, got "${value}"`);
  return Math.round(n * 1000);
}

export const serveFlagOptions = {
  host: { type: 'string' },
  port: { type: 'string' },
  'cert-dir': { type: 'string' },
  'tls-cert-file': { type: 'string' },
  'tls-key-file': { type: 'string' },
  'tls-reload-interval': { type: 'string' },
  'tls-secret': { type: 'string' },
  namespace: { type: 'string' },
  service: { type: 'string' },
  'webhook-config': { type: 'string' },
  'tls-renew-before': { type: 'string' },
  'tls-check-interval': { type: 'string' },
  ...certificateFlagOptions,
  'cluster-state': { type: 'string', multiple: true },
  live: { type: 'boolean' },
  kubeconfig: { type: 'string' },
  ...rulesFlagOptions,
  enforcement: { type: 'string' },
  'body-limit': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  'headers-timeout': { type: 'string' },
  'handshake-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'body-bytes-in-flight': { type: 'string' },
  'metrics-host': { type: 'string' },
  'metrics-port': { type: 'string' },
  'shutdown-delay': { type: 'string' },
  'shutdown-grace-period': { type: 'string' },
  'log-level': { type: 'string' },
  'no-audit': { type: 'boolean' },
  'audit-interval': { type: 'string' },
  'audit-debounce': { type: 'string' },
  'audit-reports': { type: 'string' },
  'no-audit-events': { type: 'boolean' },
  'audit-lease': { type: 'string' },
  'audit-gateway-series': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseServeOptions(args: string[]): ServeOptions {
  const values = parseFlags(args, serveFlagOptions);
  if ((values['tls-cert-file'] === undefined) !== (values['tls-key-file'] === undefined)) {
    throw new UsageError('--tls-cert-file and --tls-key-file go together');
  }
  const port = portNumber('--port', values.port, 8443);
  const rules = rulesConfigFrom(values);
  const agents = agentSelectorsFrom(values);
  const opts: ServeOptions = {
    host: values.host ?? '127.0.0.1',
    port,
    certDir: values['cert-dir'] ?? 'certs',
    tlsReloadIntervalMs: seconds('--tls-reload-interval', values['tls-reload-interval'], 10_000),
    clusterState: values['cluster-state'] ?? [exampleClusterState],
    agents,
    rules,
    enforcement: oneOf('--enforcement', values.enforcement, ['deny', 'warn'], 'deny'),
    limits: {
      bodyLimit: positiveInt('--body-limit', values['body-limit'], defaultLimits.bodyLimit),
      keepAliveTimeoutMs: seconds('--keep-alive-timeout', values['keep-alive-timeout'], defaultLimits.keepAliveTimeoutMs),
      requestTimeoutMs: seconds('--request-timeout', values['request-timeout'], defaultLimits.requestTimeoutMs),
      headersTimeoutMs: seconds('--headers-timeout', values['headers-timeout'], defaultLimits.headersTimeoutMs),
      handshakeTimeoutMs: seconds('--handshake-timeout', values['handshake-timeout'], defaultLimits.handshakeTimeoutMs),
      maxConnections: positiveInt('--max-connections', values['max-connections'], defaultLimits.maxConnections),
      bodyBytesInFlight: positiveInt('--body-bytes-in-flight', values['body-bytes-in-flight'], defaultLimits.bodyBytesInFlight),
    },
    metricsHost: values['metrics-host'] ?? values.host ?? '127.0.0.1',
    metricsPort: portNumber('--metrics-port', values['metrics-port'], 9090),
    shutdownDelayMs: seconds('--shutdown-delay', values['shutdown-delay'], 0, true),
    shutdownGraceMs: seconds('--shutdown-grace-period', values['shutdown-grace-period'], 25_000),
    logLevel: oneOf('--log-level', values['log-level'], ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], 'info'),
  };
  if (opts.limits.bodyBytesInFlight < opts.limits.bodyLimit) {
    throw new UsageError(`--body-bytes-in-flight must be at least --body-limit (${opts.limits.bodyLimit}), or no body that large is ever read`);
  }
  const live = values.live === true || values.kubeconfig !== undefined;
  if (live && values['cluster-state'] !== undefined) throw new UsageError('--cluster-state reads files; it does not go with --live or --kubeconfig');
  if (live) opts.kubeconfig = values.kubeconfig ?? '';
  if (live && !values['no-audit']) {
    const namespace = values.namespace ?? podNamespace();
    const d = defaultAuditOptions;
    opts.audit = {
      fullPassIntervalMs: seconds('--audit-interval', values['audit-interval'], d.fullPassIntervalMs, true),
      debounceMs: seconds('--audit-debounce', values['audit-debounce'], d.debounceMs, true),
      reports: oneOf('--audit-reports', values['audit-reports'], ['auto', 'openreports', 'wgpolicyk8s', 'none'], d.reports),
      events: !values['no-audit-events'],
      lease: { ...d.lease, name: values['audit-lease'] ?? d.lease.name, ...(namespace ? { namespace } : {}) },
      gatewaySeriesCap: positiveInt('--audit-gateway-series', values['audit-gateway-series'], d.gatewaySeriesCap),
    };
  }
  if (values['tls-secret'] !== undefined) {
    if (values['tls-cert-file'] !== undefined) throw new UsageError('--tls-secret and --tls-cert-file are two ways to get a certificate; pick one');
    const namespace = values.namespace ?? podNamespace();
    if (!namespace) throw new UsageError('--namespace is required outside a cluster (the Secret lives there)');
    const renewDays = positiveInt('--tls-renew-before', values['tls-renew-before'], 30);
    opts.tlsSecret = {
      name: values['tls-secret'],
      namespace,
      service: values.service ?? 'egress-gateway-webhook',
      ...(values['webhook-config'] ? { webhookConfig: values['webhook-config'] } : {}),
      renewBeforeMs: renewDays * 86_400_000,
      checkIntervalMs: seconds('--tls-check-interval', values['tls-check-interval'], 60_000),
      ...certificateParamsFrom(values),
    };
  }
  if (values['tls-cert-file'] !== undefined) opts.tlsCertFile = values['tls-cert-file'];
  if (values['tls-key-file'] !== undefined) opts.tlsKeyFile = values['tls-key-file'];
  return opts;
}
