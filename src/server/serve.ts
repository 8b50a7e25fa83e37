import type { KubeConfig } from '@kubernetes/client-node';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { describeSchema } from '../cluster/cilium-crd.js';
import { loadStateFiles, stateFilesProblem } from '../cluster/file-state.js';
import type { LiveClusterState } from '../cluster/live-state.js';
import { ObjectStore } from '../cluster/object-store.js';
import type { ClusterState } from '../cluster/state.js';
import { needsDeckhouseGroup } from '../resources/registry.js';
import { type CertificateSource, fileSource, localSource, secretSource } from '../tls/certificate-source.js';
import { serviceSANs } from '../tls/certificates.js';
import { ServingTls } from '../tls/serving-tls.js';
import { buildApp, tlsCiphers, type WebhookApp } from './app.js';
import { serviceLogger } from './logger.js';
import { WebhookMetrics } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';
import type { ServeOptions } from './options.js';
import { listenError, listenHost, preflight } from './startup-checks.js';
import { packageVersion } from './version.js';

// serve: check what can be checked before anything listens (startup-checks.ts), then the certificate source, the
// cluster state, the HTTPS app and /metrics (metrics-server.ts), and a bounded drain on SIGTERM or SIGINT in any
// phase. The Kubernetes client (about 0.4 s and 70 MB to load) is imported only when a cluster is watched or the
// certificate Secret is used.

/** The Secret (with caBundle injection), mounted files, or a local folder. */
async function certificateSource(opts: ServeOptions, checkedTls: { key: string; cert: string } | undefined, kubeConfig: () => Promise<KubeConfig>, logger: Logger): Promise<CertificateSource> {
  if (opts.tlsSecret) {
    const t = opts.tlsSecret;
    const kc = await kubeConfig();
    const [{ AdmissionregistrationV1Api, CoreV1Api }, { SecretCertificates }, { CABundleInjector }] = await Promise.all([
      import('@kubernetes/client-node'),
      import('../tls/secret-certificates.js'),
      import('../tls/ca-injector.js'),
    ]);
    const store = new SecretCertificates(kc.makeApiClient(CoreV1Api), { ...t, ...serviceSANs(t.service, t.namespace, t.extraSANs) }, logger);
    const mutates = opts.rules.kinds.some((k) => k === 'EgressGateway' || k === 'EgressGatewayPolicy');
    const configKinds = mutates ? (['validating', 'mutating'] as const) : (['validating'] as const);
    const injector = t.webhookConfig ? new CABundleInjector(kc.makeApiClient(AdmissionregistrationV1Api), t.webhookConfig, logger, configKinds) : undefined;
    return secretSource(store, injector, t.checkIntervalMs, logger);
  }
  if (checkedTls && opts.tlsCertFile && opts.tlsKeyFile) return fileSource(opts.tlsCertFile, opts.tlsKeyFile, opts.tlsReloadIntervalMs, checkedTls);
  return localSource(opts.certDir, logger);
}

/** An address and port as a URL writes them: an IPv6 address in brackets. */
const hostPort = (a: AddressInfo) => `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;

/** Starts the HTTPS webhook; resolves once it listens. */
export async function serve(opts: ServeOptions): Promise<WebhookApp> {
  const logger = serviceLogger(opts.logLevel);
  logger.info({ version: packageVersion(), node: process.version, pid: process.pid }, 'starting egress-gateway-webhook');

  // Until the server listens there is nothing to drain: a signal stops the process at once, whatever it waits for.
  let stop: (signal: string) => void = (signal) => {
    logger.info({ signal }, 'stopped before startup finished');
    process.exit(0);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const checked = await preflight(opts);
  // Read once, when the Secret or the live state first needs it.
  let loadedKubeConfig: KubeConfig | undefined;
  const kubeConfigOnce = async () => (loadedKubeConfig ??= (await import('../cluster/kubeconfig.js')).loadKubeConfig(opts.kubeconfig || undefined));
  const certificates = await certificateSource(opts, checked.tls, kubeConfigOnce, logger);
  const tls = await certificates.initial();
  const serving = new ServingTls(tls, logger, tlsCiphers);
  const expiry = serving.expiryMs();
  logger.info({ expiresAt: new Date(expiry).toISOString(), secondsLeft: Math.round((expiry - Date.now()) / 1000) }, 'serving certificate expiry');

  let state: ClusterState;
  let live: LiveClusterState | undefined;
  // The audit keeps the whole guarded objects; only with a live cluster (a file never changes).
  const objects = opts.audit && opts.kubeconfig !== undefined ? new ObjectStore() : undefined;
  if (opts.kubeconfig !== undefined) {
    const kubeConfig = await kubeConfigOnce();
    const { LiveClusterState } = await import('../cluster/live-state.js');
    live = new LiveClusterState({
      kubeConfig,
      agents: opts.agents,
      deckhouse: needsDeckhouseGroup(opts.rules.kinds),
      logger,
      ...(objects ? { objects, ciliumPolicies: opts.rules.kinds.includes('CiliumEgressGatewayPolicy') } : {}),
    });
    live.start();
    state = live.store;
    // Until the CRD arrives (or when it cannot be read) the render check uses the bundled schema; a line says when that changes.
    logger.info({ server: kubeConfig.getCurrentCluster()?.server, ciliumPolicySchema: describeSchema(undefined) }, 'watching the cluster');
  } else {
    const fileState = await loadStateFiles(opts.clusterState, opts.agents).catch((e: unknown) => {
      throw new Error(stateFilesProblem(e));
    });
    state = fileState;
    logger.info({ files: opts.clusterState, ciliumPolicySchema: describeSchema(fileState.ciliumPolicySchema()) }, 'loaded cluster state');
  }

  if (opts.enforcement === 'warn') logger.warn('enforcement warn: denials are answered as allowed, with warnings');
  const metrics = new WebhookMetrics({ certificateExpiryMs: () => serving.expiryMs(), ...(live ? { cache: () => live.store.kindStatus() } : {}) });
  let audit: { stop(): Promise<void> } | undefined;
  if (objects && live && opts.audit) {
    const { startAudit } = await import('./audit-service.js');
    audit = startAudit({ kubeConfig: await kubeConfigOnce(), state: live.store, objects, config: opts.rules, registry: metrics.registry, logger, options: opts.audit });
  }
  new Gauge({
    name: 'egress_gateway_webhook_build_info',
    help: 'Always 1; the labels say which version of the webhook runs on which Node.js.',
    labelNames: ['version', 'node_version'],
    registers: [metrics.registry],
  }).set({ version: packageVersion(), node_version: process.version }, 1);
  let shuttingDown = false;
  const app = await buildApp({
    tls,
    logger,
    state,
    config: opts.rules,
    enforcement: opts.enforcement,
    limits: opts.limits,
    metrics,
    notReadyReasons: () => {
      if (shuttingDown) return ['shutting down'];
      const sync = state.syncStatus();
      return sync.synced ? [] : [`cluster state not synced: ${sync.pending.join(', ')}`];
    },
  });
  serving.attach(app.server);
  // Both ports are taken before either serves, so a busy one leaves nothing half-started.
  // Unless set on its own, the metrics address is --host's: a wrong one is named as the user wrote it.
  const metricsServer = await startMetricsServer(metrics, opts.metricsHost, opts.metricsPort, opts.metricsHost === opts.host ? '--host' : '--metrics-host');
  try {
    // A deep accept queue: under a burst of connections a probe's SYN is queued, not dropped and resent a second
    // later (the kernel caps it at net.core.somaxconn).
    await app.listen({ host: await listenHost(opts.host), port: opts.port, backlog: 4096 });
  } catch (err) {
    metricsServer.close();
    throw listenError(err, { port: '--port', host: '--host' }, opts.host, opts.port);
  }
  logger.info(`Server listening at https://${hostPort(app.server.address() as AddressInfo)}`);
  const stopCertificates = await certificates.follow((pair) => serving.replace(pair, certificates.name));
  logger.info({ address: `http://${hostPort(metricsServer.address() as AddressInfo)}/metrics` }, 'metrics listening');

  stop = (signal: string) => {
    if (shuttingDown) {
      // A second signal while draining: the operator wants out now.
      logger.warn({ signal }, 'second signal while draining; exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    void drain(signal);
  };
  const drain = async (signal: string) => {
    logger.info({ signal, delayMs: opts.shutdownDelayMs, graceMs: opts.shutdownGraceMs }, 'shutting down: /readyz fails from now on');
    const force = setTimeout(() => {
      logger.error({ graceMs: opts.shutdownGraceMs }, 'grace period over with requests still open; exiting');
      process.exit(1);
    }, opts.shutdownDelayMs + opts.shutdownGraceMs);
    force.unref();
    // Keep serving while endpoints and load balancers notice /readyz; then stop accepting.
    await new Promise((r) => setTimeout(r, opts.shutdownDelayMs));
    await audit?.stop();
    live?.stop();
    stopCertificates();
    // close() lets in-flight requests finish and closes idle keep-alive connections.
    await app.close();
    await new Promise((r) => metricsServer.close(r));
    logger.info('stopped');
    process.exit(0);
  };
  return app;
}
