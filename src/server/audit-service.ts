import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ObjectStore } from '../cluster/object-store.js';
import type { RulesConfig } from '../resources/config.js';
import { AuditMetrics } from './audit-metrics.js';
import { EventWriter } from './audit-events.js';
import { type ReportTarget, ReportWriter } from './audit-reports.js';
import { type AuditedState, Auditor } from './auditor.js';
import { LeaseElector } from './lease.js';

// The audit inside `serve`: every replica audits (its metrics are its own), the Lease holder alone writes
// reports and events.

import type { AuditOptions } from './audit-options.js';

export { type AuditOptions, defaultAuditOptions } from './audit-options.js';

export interface AuditService {
  auditor: Auditor;
  metrics: AuditMetrics;
  reports?: ReportWriter;
  events?: EventWriter;
  isLeader(): boolean;
  stop(): Promise<void>;
}

export function startAudit(deps: {
  kubeConfig: KubeConfig;
  state: AuditedState;
  objects: ObjectStore;
  config: RulesConfig;
  registry: Registry;
  logger: Logger;
  options: AuditOptions;
}): AuditService {
  const { options, logger, kubeConfig } = deps;
  const log = logger.child({ component: 'audit' });
  const metrics = new AuditMetrics(deps.registry, options.gatewaySeriesCap);
  const identity = process.env['POD_NAME'] || hostname();
  const reports =
    options.reports === 'none'
      ? undefined
      : new ReportWriter({ kubeConfig, logger: log, target: options.reports, onWriteError: () => metrics.writeErrors.inc({ target: 'report' }) });
  const events = options.events
    ? new EventWriter({
        kubeConfig,
        logger: log,
        instance: identity,
        onDropped: () => metrics.eventsDropped.inc(),
        onWriteError: () => metrics.writeErrors.inc({ target: 'event' }),
      })
    : undefined;
  if (options.reports === 'none') log.info('audit reports: turned off');
  const auditor = new Auditor({
    state: deps.state,
    objects: deps.objects,
    config: deps.config,
    logger: log,
    sinks: [metrics, ...(reports ? [reports] : []), ...(events ? [events] : [])],
    debounceMs: options.debounceMs,
    fullPassIntervalMs: options.fullPassIntervalMs,
  });
  let leading = false;
  const lead = () => {
    leading = true;
    metrics.leader.set(1);
    // What the auditor knows now; what it learns later arrives through the sinks.
    void auditor.idle().then(() => {
      if (!leading) return;
      void reports?.activate(auditor.current());
      events?.activate(auditor.current());
    });
  };
  const follow = () => {
    leading = false;
    metrics.leader.set(0);
    reports?.deactivate();
    events?.deactivate();
  };
  let elector: LeaseElector | undefined;
  if (options.lease.namespace) {
    elector = new LeaseElector(kubeConfig, {
      name: options.lease.name,
      namespace: options.lease.namespace,
      identity,
      durationMs: options.lease.durationMs,
      onStarted: lead,
      onStopped: follow,
      logger: log,
    });
  }
  auditor.start();
  if (elector) elector.start();
  else {
    log.info('audit: no namespace for the Lease; this replica writes reports and events unelected');
    lead();
  }
  return {
    auditor,
    metrics,
    ...(reports ? { reports } : {}),
    ...(events ? { events } : {}),
    isLeader: () => leading,
    async stop() {
      await auditor.stop();
      reports?.stop();
      await elector?.stop();
    },
  };
}
