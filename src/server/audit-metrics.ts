import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AuditResult } from './audit.js';
import type { AuditSink, PassStats } from './auditor.js';

// Audit metrics, on the webhook's registry. Labels come from closed sets (rule ids, severities, kinds) except the
// gateway name, whose series are capped: past the cap a gateway gets none and a counter says how many were refused.

const prefix = 'egress_gateway_webhook_';

export const defaultGatewaySeriesCap = 1000;

export class AuditMetrics implements AuditSink {
  /** Current findings by rule, severity and kind, counted from the results. */
  private readonly counts = new Map<string, number>();
  private readonly findings: Gauge<'rule' | 'severity' | 'kind'>;
  private readonly eligible: Gauge<'gateway'>;
  private readonly standby: Gauge<'gateway'>;
  private readonly dropped: Counter;
  private readonly passes: Counter<'scope'>;
  private readonly lastPass: Gauge<'scope'>;
  private readonly duration: Histogram<'scope'>;
  private readonly exported = new Set<string>();
  private readonly refused = new Set<string>();
  readonly leader: Gauge;
  readonly eventsDropped: Counter;
  readonly writeErrors: Counter<'target'>;

  constructor(registry: Registry, private readonly gatewayCap = defaultGatewaySeriesCap) {
    const registers = [registry];
    const counts = this.counts;
    this.findings = new Gauge({
      name: `${prefix}audit_findings`,
      help: 'Findings of the audit on stored objects now, by rule, severity (deny, warn) and kind.',
      labelNames: ['rule', 'severity', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const [key, n] of counts) {
          const [rule, severity, kind] = key.split('\u0000') as [string, string, string];
          if (n > 0) this.set({ rule, severity, kind }, n);
        }
      },
    });
    this.eligible = new Gauge({
      name: `${prefix}gateway_eligible_nodes`,
      help: `Nodes able to carry an EgressGateway's traffic now (at most ${gatewayCap} gateways get a series).`,
      labelNames: ['gateway'],
      registers,
    });
    this.standby = new Gauge({
      name: `${prefix}gateway_has_standby`,
      help: 'Whether an EgressGateway has a second eligible node to fail over to (1) or not (0).',
      labelNames: ['gateway'],
      registers,
    });
    this.dropped = new Counter({
      name: `${prefix}audit_dropped_series_total`,
      help: 'Gateways that got no per-gateway series because the cap was reached.',
      registers,
    });
    this.passes = new Counter({ name: `${prefix}audit_passes_total`, help: 'Audit passes, full or of changes only.', labelNames: ['scope'], registers });
    this.lastPass = new Gauge({
      name: `${prefix}audit_last_pass_timestamp_seconds`,
      help: 'When the last audit pass of this scope ended (Unix seconds).',
      labelNames: ['scope'],
      registers,
    });
    this.duration = new Histogram({
      name: `${prefix}audit_pass_duration_seconds`,
      help: 'Duration of an audit pass.',
      labelNames: ['scope'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers,
    });
    this.leader = new Gauge({ name: `${prefix}audit_leader`, help: '1 while this replica holds the audit Lease and writes reports and events.', registers });
    this.eventsDropped = new Counter({
      name: `${prefix}audit_events_dropped_total`,
      help: 'Events not written because of the rate limit.',
      registers,
    });
    this.writeErrors = new Counter({
      name: `${prefix}audit_write_errors_total`,
      help: 'Failed writes of reports or events, by target.',
      labelNames: ['target'],
      registers,
    });
  }

  private count(r: AuditResult, delta: number): void {
    for (const f of r.findings) {
      const key = `${f.rule}\u0000${f.severity}\u0000${r.kind}`;
      const n = (this.counts.get(key) ?? 0) + delta;
      if (n === 0) this.counts.delete(key);
      else this.counts.set(key, n);
    }
  }

  changed(result: AuditResult, previous: AuditResult | undefined): void {
    if (previous) this.count(previous, -1);
    this.count(result, 1);
    if (result.kind !== 'EgressGateway') return;
    const gateway = result.name;
    if (!result.gateway) {
      this.forget(gateway);
      return;
    }
    if (!this.exported.has(gateway)) {
      if (this.exported.size >= this.gatewayCap) {
        if (!this.refused.has(gateway)) {
          this.refused.add(gateway);
          this.dropped.inc();
        }
        return;
      }
      this.exported.add(gateway);
    }
    this.eligible.set({ gateway }, result.gateway.eligibleNodes);
    this.standby.set({ gateway }, result.gateway.hasStandby ? 1 : 0);
  }

  removed(previous: AuditResult): void {
    this.count(previous, -1);
    if (previous.kind === 'EgressGateway') this.forget(previous.name);
  }

  private forget(gateway: string): void {
    this.refused.delete(gateway);
    if (!this.exported.delete(gateway)) return;
    this.eligible.remove({ gateway });
    this.standby.remove({ gateway });
  }

  passDone(pass: PassStats): void {
    this.passes.inc({ scope: pass.scope });
    this.lastPass.set({ scope: pass.scope }, Date.now() / 1000);
    this.duration.observe({ scope: pass.scope }, pass.seconds);
  }
}
