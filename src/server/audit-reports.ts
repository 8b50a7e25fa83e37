import { type KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, statusCodeOf } from '../cluster/api-errors.js';
import { kinds } from '../resources/registry.js';
import { catalogue } from '../rules/catalogue.js';
import type { AuditResult } from './audit.js';
import type { AuditSink, PassStats } from './auditor.js';

// Policy reports, laid out as Kyverno lays out its own so existing viewers (Policy Reporter, kubectl get
// clusterpolicyreports) show them: one cluster-scoped report per audited object (all guarded kinds are
// cluster-scoped), named after the object's uid, `scope` naming the object, owned by it (deleted with it), one
// result per rule of its kind: pass, warn or fail, with severity, message, and the field as a property.

import type { ReportTarget } from './audit-options.js';

export type { ReportTarget };

const apis = {
  openreports: { apiVersion: 'openreports.io/v1alpha1', kind: 'ClusterReport' },
  wgpolicyk8s: { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'ClusterPolicyReport' },
} as const;

export const reportSource = 'egress-gateway-webhook';
export const managedByLabel = { 'app.kubernetes.io/managed-by': 'egress-gateway-webhook' };
export const reportName = (uid: string) => `egress-gateway-webhook-${uid}`;

/** Rules a stored object can fail: those of its kind that a write (not a DELETE) runs. */
const rulesOf = (kind: string) => catalogue.filter((r) => (r.kinds as readonly string[]).includes(kind) && !r.id.startsWith('gateway-delete-')).map((r) => r.id);

/** The report body for one result, without apiVersion and kind (which depend on the target). */
export function reportBody(r: AuditResult & { uid: string }, now = new Date()) {
  const descriptor = kinds.find((k) => k.kind === r.kind)!;
  const resource = { apiVersion: `${descriptor.group}/${descriptor.version}`, kind: r.kind, name: r.name, uid: r.uid };
  const timestamp = { seconds: Math.floor(now.getTime() / 1000), nanos: 0 };
  const base = { policy: reportSource, source: reportSource, scored: true, category: r.kind, timestamp, resources: [resource] };
  const failing = new Set(r.findings.map((f) => f.rule));
  const results = [
    ...r.findings.map((f) => ({
      ...base,
      rule: f.rule,
      result: f.severity === 'deny' ? 'fail' : 'warn',
      severity: f.severity === 'deny' ? 'high' : 'medium',
      message: f.message,
      ...(f.field ? { properties: { field: f.field } } : {}),
    })),
    ...rulesOf(r.kind)
      .filter((id) => !failing.has(id))
      .map((id) => ({ ...base, rule: id, result: 'pass', message: `rule ${id} passed` })),
  ];
  const count = (x: string) => results.filter((e) => e.result === x).length;
  return {
    metadata: {
      name: reportName(r.uid),
      labels: { ...managedByLabel, 'egress-gateway.network.deckhouse.io/audited-kind': r.kind },
      ownerReferences: [{ ...resource, controller: false, blockOwnerDeletion: false }],
    },
    scope: resource,
    summary: { pass: count('pass'), fail: count('fail'), warn: count('warn'), error: 0, skip: 0 },
    results,
  };
}

class ObjectsApi extends KubernetesObjectApi {
  /** Whether the API server serves this kind (its CRD is installed). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      return (await this.resource(apiVersion, kind)) !== undefined;
    } catch (err) {
      if (statusCodeOf(err) === 404 || /404/.test(String((err as Error).message))) return false;
      throw err;
    }
  }
}

type Desired = { op: 'apply'; result: AuditResult & { uid: string } } | { op: 'delete'; name: string };

export interface ReportWriterOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** 'auto': openreports when its CRD exists, else wgpolicyk8s, else none. */
  target: ReportTarget | 'auto';
  onWriteError?: () => void;
}

export class ReportWriter implements AuditSink {
  private readonly api: ObjectsApi;
  private target: ReportTarget | undefined;
  private active = false;
  private readonly queue = new Map<string, Desired>();
  private draining: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** The latest result of every object, kept while not leading too, for the moment this replica takes over. */
  private readonly latest = new Map<string, AuditResult>();
  private detecting = false;

  constructor(private readonly opts: ReportWriterOptions) {
    this.api = opts.kubeConfig.makeApiClient(ObjectsApi);
  }

  /** Which API reports go to (after start); for tests and the log. */
  get reportTarget(): ReportTarget | undefined {
    return this.target;
  }

  /** Leadership: writes everything current and removes reports of objects gone meanwhile. */
  async activate(current: readonly AuditResult[]): Promise<void> {
    this.active = true;
    for (const r of current) this.latest.set(`${r.kind}/${r.name}`, r);
    this.target = await this.detect();
    if (this.target === 'none') return;
    const { apiVersion, kind } = apis[this.target];
    const wanted = new Set(current.filter((r) => r.uid).map((r) => reportName(r.uid!)));
    try {
      const labelSelector = Object.entries(managedByLabel).map(([k, v]) => `${k}=${v}`).join(',');
      const existing = await this.api.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, labelSelector);
      for (const item of existing.items) {
        const name = item.metadata?.name;
        if (name && !wanted.has(name)) this.queue.set(name, { op: 'delete', name });
      }
    } catch (err) {
      this.failed('listing reports', err);
    }
    for (const r of current) this.enqueue(r);
    this.drain();
  }

  deactivate(): void {
    this.active = false;
    this.queue.clear();
  }

  changed(result: AuditResult): void {
    this.latest.set(`${result.kind}/${result.name}`, result);
    if (this.active) {
      this.enqueue(result);
      this.drain();
    }
  }

  removed(previous: AuditResult): void {
    this.latest.delete(`${previous.kind}/${previous.name}`);
    if (!this.active || !previous.uid) return;
    const name = reportName(previous.uid);
    this.queue.set(name, { op: 'delete', name });
    this.drain();
  }

  /** A report CRD installed after this replica took over is found at the next full pass. */
  passDone(pass: PassStats): void {
    if (!this.active || this.target !== 'none' || this.opts.target === 'none' || pass.scope !== 'full' || this.detecting) return;
    this.detecting = true;
    void this.activate([...this.latest.values()]).finally(() => (this.detecting = false));
  }

  /** Resolves when every queued write has been tried. */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
  }

  stop(): void {
    this.deactivate();
    clearTimeout(this.retry);
  }

  private enqueue(r: AuditResult): void {
    if (!r.uid || r.skipped !== undefined) return;
    this.queue.set(reportName(r.uid), { op: 'apply', result: r as AuditResult & { uid: string } });
  }

  private async detect(): Promise<ReportTarget> {
    const wanted = this.opts.target;
    const candidates: Exclude<ReportTarget, 'none'>[] = wanted === 'auto' ? ['openreports', 'wgpolicyk8s'] : wanted === 'none' ? [] : [wanted];
    for (const c of candidates) {
      try {
        if (await this.api.serves(apis[c].apiVersion, apis[c].kind)) {
          if (this.target !== c) this.opts.logger.info({ apiVersion: apis[c].apiVersion, kind: apis[c].kind }, 'audit reports: writing one report per audited object');
          return c;
        }
      } catch (err) {
        this.failed(`discovering ${apis[c].apiVersion}`, err);
      }
    }
    // One line, not one per full pass while it stays so.
    if (this.target !== 'none') {
      const tried = candidates.map((c) => `${apis[c].apiVersion} ${apis[c].kind}`);
      this.opts.logger.info({ tried }, wanted === 'none' ? 'audit reports: turned off' : 'audit reports: no report CRD installed; findings go to events and metrics only');
    }
    return 'none';
  }

  private drain(): void {
    if (this.draining || this.target === undefined || this.target === 'none') return;
    this.draining = (async () => {
      while (this.active && this.queue.size > 0) {
        const [name, desired] = this.queue.entries().next().value as [string, Desired];
        this.queue.delete(name);
        try {
          await this.write(desired);
          this.failing = false;
        } catch (err) {
          this.failed(`writing report ${name}`, err);
          // Retried later unless something newer replaced it meanwhile.
          if (!this.queue.has(name)) this.queue.set(name, desired);
          clearTimeout(this.retry);
          this.retry = setTimeout(() => this.drain(), 5000);
          this.retry.unref();
          break;
        }
      }
    })().finally(() => (this.draining = undefined));
  }

  private async write(d: Desired): Promise<void> {
    const { apiVersion, kind } = apis[this.target as Exclude<ReportTarget, 'none'>];
    if (d.op === 'delete') {
      try {
        await this.api.delete({ apiVersion, kind, metadata: { name: d.name } });
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
      return;
    }
    const body = { apiVersion, kind, ...reportBody(d.result) } as KubernetesObject;
    await this.api.patch(body, undefined, undefined, reportSource, true, PatchStrategy.ServerSideApply);
  }

  private failing = false;

  private failed(what: string, err: unknown): void {
    this.opts.onWriteError?.();
    // Once per incident at warn (a missing permission would fail every retry), the retries at debug.
    this.opts.logger[this.failing ? 'debug' : 'warn']({ err: describeError(err) }, `audit: ${what} failed; retrying`);
    this.failing = true;
  }
}
