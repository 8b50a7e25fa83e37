import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { Gauge } from 'prom-client';
import type { ServeOptions } from '../cli/serve-options.js';
import { loadStateFiles } from '../cluster/file-state.js';
import type { LiveClusterState } from '../cluster/live-state.js';
import { deckhouseKindNames } from '../resources/registry.js';
import type { MemoryClusterState } from '../cluster/memory-state.js';
import { describeError } from '../cluster/reflector.js';
import type { CABundleInjector } from '../tls/ca-injector.js';
import { serviceSANs } from '../tls/certificates.js';
import { ensureLocalCertificates } from '../tls/local-certs.js';
import type { SecretCertificates } from '../tls/secret-certificates.js';
import { pairProblem, pollCertificateFiles, ServingTls } from '../tls/serving-tls.js';
import { buildApp, type WebhookApp } from './app.js';
import { WebhookMetrics } from './metrics.js';
import { packageVersion } from './version.js';

// Startup fails early and says why: files and the cluster connection are checked before anything listens, each
// error names its flag and file, a busy port names the port, and SIGTERM/SIGINT stop the process in any phase.
// The Kubernetes client (about 0.4 s and 70 MB to load) is imported only when a cluster is watched or the
// certificate Secret is used.

const kubeconfigHint = 'pass --kubeconfig FILE, or --cluster-state FILE to run without a cluster';

/** Where client-node's default loading would look; an error naming all of them when none exists. */
function defaultKubeconfigProblem(): string | undefined {
  const inCluster = process.env['KUBERNETES_SERVICE_HOST'] && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  if (inCluster) return undefined;
  const fromEnv = (process.env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  if (fromEnv.some((p) => existsSync(p))) return undefined;
  const home = join(homedir(), '.kube', 'config');
  if (fromEnv.length === 0 && existsSync(home)) return undefined;
  const tried = [
    'not in a pod (KUBERNETES_SERVICE_HOST or the service account token is missing)',
    fromEnv.length > 0 ? `KUBECONFIG names no existing file (${fromEnv.join(delimiter)})` : `KUBECONFIG is unset and ${home} does not exist`,
  ];
  return `--live: no cluster to watch: ${tried.join('; ')}; ${kubeconfigHint}`;
}

/** Everything that can be checked before any work: files exist and parse, a cluster config exists. */
async function preflight(opts: ServeOptions): Promise<{ tls?: { key: string; cert: string } }> {
  const needsCluster = opts.kubeconfig !== undefined || opts.tlsSecret !== undefined;
  if (needsCluster) {
    if (opts.kubeconfig) {
      if (!existsSync(opts.kubeconfig)) throw new Error(`--kubeconfig ${opts.kubeconfig}: no such file`);
    } else {
      const problem = defaultKubeconfigProblem();
      if (problem) throw new Error(opts.tlsSecret && opts.kubeconfig === undefined ? problem.replace('--live', '--tls-secret') : problem);
    }
  }
  if (opts.tlsCertFile && opts.tlsKeyFile) {
    const read = async (flag: string, path: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new Error(`${flag} ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      }
    };
    const pair = { cert: await read('--tls-cert-file', opts.tlsCertFile), key: await read('--tls-key-file', opts.tlsKeyFile) };
    const problem = pairProblem(pair);
    if (problem) throw new Error(`--tls-cert-file ${opts.tlsCertFile} with --tls-key-file ${opts.tlsKeyFile}: ${problem}`);
    return { tls: pair };
  }
  return {};
}

/** listen(), with a busy or forbidden port, or a host that is not this machine's, said in the flags' words. */
function listenError(err: unknown, flags: { port: string; host: string }, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new Error(`${flags.port} ${port}: address ${host}:${port} is already in use`);
  if (code === 'EACCES') return new Error(`${flags.port} ${port}: not allowed to listen on ${host}:${port} (ports below 1024 need privileges)`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new Error(`${flags.host} ${host}: not an address of this machine`);
  return new Error(`${flags.port} ${port}: cannot listen on ${host}:${port}: ${(err as Error).message}`);
}

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
    server.once('error', (err) => reject(listenError(err, { port: '--metrics-port', host: '--metrics-host (default: --host)' }, host, port)));
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
  let tls: { key: string; cert: string };
  // Read once, when the Secret or the live state first needs it.
  let loadedKubeConfig: KubeConfig | undefined;
  const kubeConfigOnce = async () => (loadedKubeConfig ??= (await import('../cluster/kubeconfig.js')).loadKubeConfig(opts.kubeconfig || undefined));
  let secretTls: { store: SecretCertificates; injector?: CABundleInjector } | undefined;
  if (opts.tlsSecret) {
    const kc = await kubeConfigOnce();
    const t = opts.tlsSecret;
    const [{ AdmissionregistrationV1Api, CoreV1Api }, { SecretCertificates }, { CABundleInjector }] = await Promise.all([
      import('@kubernetes/client-node'),
      import('../tls/secret-certificates.js'),
      import('../tls/ca-injector.js'),
    ]);
    const store = new SecretCertificates(kc.makeApiClient(CoreV1Api), { ...t, ...serviceSANs(t.service, t.namespace, t.extraSANs) }, logger);
    secretTls = { store, ...(t.webhookConfig ? { injector: new CABundleInjector(kc.makeApiClient(AdmissionregistrationV1Api), t.webhookConfig, logger) } : {}) };
    tls = await untilDone(() => store.ensure(), logger, 'reading the certificate Secret');
  } else if (checked.tls) {
    tls = checked.tls;
  } else {
    const { certs, generated } = await ensureLocalCertificates(opts.certDir, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] }).catch((e: Error) => {
      throw new Error(`--cert-dir ${opts.certDir}: ${e.message}`);
    });
    logger.info({ certDir: opts.certDir, generated }, generated ? 'generated a local CA and serving certificate' : 'loaded serving certificate');
    tls = certs;
  }
  const serving = new ServingTls(tls, logger);
  const expiry = serving.expiryMs();
  logger.info({ expiresAt: new Date(expiry).toISOString(), secondsLeft: Math.round((expiry - Date.now()) / 1000) }, 'serving certificate expiry');

  let state: MemoryClusterState;
  let live: LiveClusterState | undefined;
  if (opts.kubeconfig !== undefined) {
    const kubeConfig = await kubeConfigOnce();
    const { LiveClusterState } = await import('../cluster/live-state.js');
    live = new LiveClusterState({ kubeConfig, agents: opts.agents, deckhouse: opts.rules.kinds.some((k) => deckhouseKindNames.includes(k)), logger });
    live.start();
    state = live;
    logger.info({ server: kubeConfig.getCurrentCluster()?.server }, 'watching the cluster');
  } else {
    state = await loadStateFiles(opts.clusterState, opts.agents).catch((e: NodeJS.ErrnoException) => {
      const file = typeof e.path === 'string' ? e.path : undefined;
      if (file) throw new Error(`--cluster-state ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
      // A malformed file: the loader's message already starts with "cluster state FILE:LINE:".
      throw new Error(`--cluster-state ${e.message.replace(/^cluster state /, '')}`);
    });
    logger.info({ files: opts.clusterState }, 'loaded cluster state');
  }

  const metrics = new WebhookMetrics({ certificateExpiryMs: () => serving.expiryMs(), ...(live ? { cache: () => live.kindStatus() } : {}) });
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
  // Both ports are taken before either serves, so a busy one leaves nothing half-started.
  const metricsServer = await startMetricsServer(metrics, opts.metricsHost, opts.metricsPort);
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    metricsServer.close();
    throw listenError(err, { port: '--port', host: '--host' }, opts.host, opts.port);
  }
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
  const metricsAddress = metricsServer.address() as { address: string; port: number };
  logger.info({ address: `http://${metricsAddress.address}:${metricsAddress.port}/metrics` }, 'metrics listening');

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
    live?.stop();
    stopPolling?.();
    stopSecretChecks?.();
    // close() lets in-flight requests finish and closes idle keep-alive connections.
    await app.close();
    await new Promise((r) => metricsServer.close(r));
    logger.info('stopped');
    process.exit(0);
  };
  return app;
}
