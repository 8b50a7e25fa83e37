import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import type { ServeOptions } from './options.js';
import { describeSchema } from '../cluster/cilium-crd.js';
import { loadStateFiles } from '../cluster/file-state.js';
import { loadKubeConfig } from '../cluster/kubeconfig.js';
import { LiveClusterState } from '../cluster/live-state.js';
import { needsDeckhouseGroup } from '../resources/registry.js';
import type { MemoryClusterState } from '../cluster/memory-state.js';
import { describeError } from '../cluster/reflector.js';
import { CABundleInjector } from '../tls/ca-injector.js';
import { serviceSANs } from '../tls/certificates.js';
import { ensureLocalCertificates } from '../tls/local-certs.js';
import { SecretCertificates } from '../tls/secret-certificates.js';
import { pollCertificateFiles, ServingTls } from '../tls/serving-tls.js';
import { buildApp, type WebhookApp } from './app.js';
import { WebhookMetrics } from './metrics.js';

/** /metrics on its own plain-HTTP listener: scrapers need no certificate, and admission stays HTTPS only. */
async function startMetricsServer(metrics: WebhookMetrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics collection failed\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('only GET /metrics here\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

/** Retries `fn` with backoff until it succeeds, logging the first failure (a cert is needed to listen at all). */
async function untilDone<T>(fn: () => Promise<T>, logger: Logger, what: string): Promise<T> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      return await fn();
    } catch (err) {
      logger.warn({ err: describeError(err), retryInMs: delay }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Starts the HTTPS webhook; resolves once it listens. */
export async function serve(opts: ServeOptions): Promise<WebhookApp> {
  const logger = pino({ level: opts.logLevel, base: { service: 'egress-gateway-webhook' } });
  let tls: { key: string; cert: string };
  // Read once, when the Secret or the live state first needs it.
  let loadedKubeConfig: KubeConfig | undefined;
  const kubeConfigOnce = () => (loadedKubeConfig ??= loadKubeConfig(opts.kubeconfig || undefined));
  let secretTls: { store: SecretCertificates; injector?: CABundleInjector } | undefined;
  if (opts.tlsSecret) {
    const kc = kubeConfigOnce();
    const t = opts.tlsSecret;
    const store = new SecretCertificates(kc.makeApiClient(CoreV1Api), { ...t, ...serviceSANs(t.service, t.namespace, t.extraSANs) }, logger);
    secretTls = { store, ...(t.webhookConfig ? { injector: new CABundleInjector(kc.makeApiClient(AdmissionregistrationV1Api), t.webhookConfig, logger) } : {}) };
    tls = await untilDone(() => store.ensure(), logger, 'reading the certificate Secret');
  } else if (opts.tlsCertFile && opts.tlsKeyFile) {
    tls = { cert: await readFile(opts.tlsCertFile, 'utf8'), key: await readFile(opts.tlsKeyFile, 'utf8') };
  } else {
    const { certs, generated } = await ensureLocalCertificates(opts.certDir, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] });
    logger.info({ certDir: opts.certDir, generated }, generated ? 'generated a local CA and serving certificate' : 'loaded serving certificate');
    tls = certs;
  }
  const serving = new ServingTls(tls, logger);
  const expiry = serving.expiryMs();
  logger.info({ expiresAt: new Date(expiry).toISOString(), secondsLeft: Math.round((expiry - Date.now()) / 1000) }, 'serving certificate expiry');

  let state: MemoryClusterState;
  let live: LiveClusterState | undefined;
  if (opts.kubeconfig !== undefined) {
    const kubeConfig = kubeConfigOnce();
    live = new LiveClusterState({ kubeConfig, agents: opts.agents, deckhouse: needsDeckhouseGroup(opts.rules.kinds), logger });
    live.start();
    state = live;
    // Until the CRD arrives (or when it cannot be read) the render check uses the bundled schema; a line says when that changes.
    logger.info({ server: kubeConfig.getCurrentCluster()?.server, ciliumPolicySchema: describeSchema(undefined) }, 'watching the cluster');
  } else {
    state = await loadStateFiles(opts.clusterState, opts.agents);
    logger.info({ files: opts.clusterState, ciliumPolicySchema: describeSchema(state.ciliumPolicySchema()) }, 'loaded cluster state');
  }

  const metrics = new WebhookMetrics({ certificateExpiryMs: () => serving.expiryMs(), ...(live ? { cache: () => live.kindStatus() } : {}) });
  let shuttingDown = false;
  const app = await buildApp({
    tls,
    logger,
    state,
    config: opts.rules,
    limits: opts.limits,
    metrics,
    notReadyReasons: () => {
      if (shuttingDown) return ['shutting down'];
      const sync = state.syncStatus();
      return sync.synced ? [] : [`cluster state not synced: ${sync.pending.join(', ')}`];
    },
  });
  serving.attach(app.server);
  const stopPolling =
    opts.tlsCertFile && opts.tlsKeyFile
      ? pollCertificateFiles(opts.tlsCertFile, opts.tlsKeyFile, opts.tlsReloadIntervalMs, (pair) => serving.replace(pair, 'files'))
      : undefined;
  await app.listen({ host: opts.host, port: opts.port });
  let stopSecretChecks: (() => void) | undefined;
  if (secretTls) {
    const { store, injector } = secretTls;
    let failing = false;
    // The Secret may be renewed by another replica, the caBundle reset by a helm upgrade: check both.
    const check = async () => {
      try {
        const current = await store.ensure();
        serving.replace(current, 'secret');
        await injector?.inject(current.caBundle);
        if (failing) logger.info('certificate checks recovered');
        failing = false;
      } catch (err) {
        if (!failing) logger.warn({ err: describeError(err) }, 'certificate check failed; will retry');
        failing = true;
      }
    };
    await check();
    const timer = setInterval(() => void check(), opts.tlsSecret!.checkIntervalMs);
    timer.unref();
    stopSecretChecks = () => clearInterval(timer);
  }
  const metricsServer = await startMetricsServer(metrics, opts.metricsHost, opts.metricsPort);
  const metricsAddress = metricsServer.address() as { address: string; port: number };
  logger.info({ address: `http://${metricsAddress.address}:${metricsAddress.port}/metrics` }, 'metrics listening');

  const stop = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal, delayMs: opts.shutdownDelayMs, graceMs: opts.shutdownGraceMs }, 'shutting down: /readyz fails from now on');
    const force = setTimeout(() => {
      logger.error({ graceMs: opts.shutdownGraceMs }, 'grace period over with requests still open; exiting');
      process.exit(1);
    }, opts.shutdownDelayMs + opts.shutdownGraceMs);
    force.unref();
    // Keep serving while endpoints and load balancers notice /readyz; then stop accepting.
    await new Promise((r) => setTimeout(r, opts.shutdownDelayMs));
    live?.stop();
    stopPolling?.();
    stopSecretChecks?.();
    // close() lets in-flight requests finish and closes idle keep-alive connections.
    await app.close();
    await new Promise((r) => metricsServer.close(r));
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return app;
}
