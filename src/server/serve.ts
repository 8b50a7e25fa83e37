import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import type { ServeOptions } from '../cli/serve-options.js';
import { loadStateFiles } from '../cluster/file-state.js';
import { loadKubeConfig } from '../cluster/kubeconfig.js';
import { LiveClusterState } from '../cluster/live-state.js';
import type { MemoryClusterState } from '../cluster/memory-state.js';
import { ensureLocalCertificates } from '../tls/local-certs.js';
import { buildApp, type WebhookApp } from './app.js';

/** Starts the HTTPS webhook with file-backed cluster state; resolves once it listens. */
export async function serve(opts: ServeOptions): Promise<WebhookApp> {
  const logger = pino({ level: opts.logLevel, base: { service: 'egress-gateway-webhook' } });
  let tls: { key: string; cert: string };
  if (opts.tlsCertFile && opts.tlsKeyFile) {
    tls = { cert: await readFile(opts.tlsCertFile, 'utf8'), key: await readFile(opts.tlsKeyFile, 'utf8') };
  } else {
    const { certs, generated } = await ensureLocalCertificates(opts.certDir, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] });
    logger.info({ certDir: opts.certDir, generated }, generated ? 'generated a local CA and serving certificate' : 'loaded serving certificate');
    tls = certs;
  }
  let state: MemoryClusterState;
  let live: LiveClusterState | undefined;
  if (opts.kubeconfig !== undefined) {
    const kubeConfig = loadKubeConfig(opts.kubeconfig || undefined);
    live = new LiveClusterState({ kubeConfig, agents: opts.agents, logger });
    live.start();
    state = live;
    logger.info({ server: kubeConfig.getCurrentCluster()?.server }, 'watching the cluster');
  } else {
    state = await loadStateFiles(opts.clusterState, opts.agents);
    logger.info({ files: opts.clusterState }, 'loaded cluster state');
  }

  let shuttingDown = false;
  const app = await buildApp({
    tls,
    logger,
    state,
    config: opts.rules,
    bodyLimit: opts.bodyLimit,
    notReadyReasons: () => {
      if (shuttingDown) return ['shutting down'];
      const sync = state.syncStatus();
      return sync.synced ? [] : [`cluster state not synced: ${sync.pending.join(', ')}`];
    },
  });
  await app.listen({ host: opts.host, port: opts.port });

  const stop = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    live?.stop();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return app;
}
