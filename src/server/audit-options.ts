// The audit's settings, apart from the code that runs it: the command line reads these without loading the
// Kubernetes client, which only a server that audits a live cluster needs.

/** Where findings are reported. */
export type ReportTarget = 'openreports' | 'wgpolicyk8s' | 'none';

export interface AuditOptions {
  /** Between full passes; 0: changes only. */
  fullPassIntervalMs: number;
  debounceMs: number;
  reports: ReportTarget | 'auto';
  events: boolean;
  /** The Lease that elects the writer; namespace undefined: this replica writes without election (one replica). */
  lease: { name: string; namespace?: string; durationMs: number };
  /** Per-gateway series at most. */
  gatewaySeriesCap: number;
}

export const defaultAuditOptions: AuditOptions = {
  fullPassIntervalMs: 600_000,
  debounceMs: 1000,
  reports: 'auto',
  events: true,
  lease: { name: 'egress-gateway-webhook-audit', durationMs: 15_000 },
  gatewaySeriesCap: 1000,
};
