import { EventsV1Api, type KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError } from '../cluster/api-errors.js';
import { kinds } from '../resources/registry.js';
import type { AuditFinding, AuditResult } from './audit.js';
import type { AuditSink } from './auditor.js';

// Kubernetes Events (events.k8s.io/v1) on the audited object, as `kubectl describe` and `kubectl events` show
// them: a Warning when a finding appears (reason = its rule id), a Normal one when it clears. The objects are
// cluster-scoped, so, as client-go does, the events live in the "default" namespace. Deduplicated (a finding
// already reported is not reported again within `repeatAfterMs`) and rate-limited (a token bucket; what it
// refuses is counted, not queued).

export const eventNamespace = 'default';
const controller = 'egress-gateway-webhook';
const maxNote = 1024;

export interface EventWriterOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** reportingInstance: this replica (the pod name). */
  instance: string;
  /** Sustained events per second, and the burst allowed above it. */
  perSecond?: number;
  burst?: number;
  repeatAfterMs?: number;
  onDropped?: () => void;
  onWriteError?: () => void;
}

const findingKey = (r: AuditResult, f: AuditFinding) => `${r.uid}\u0000${f.rule}\u0000${f.message}`;

export class EventWriter implements AuditSink {
  private readonly api: EventsV1Api;
  private active = false;
  private tokens: number;
  private refilled = Date.now();
  private readonly lastSent = new Map<string, number>();
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly repeatAfterMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;
  private failing = false;

  constructor(private readonly opts: EventWriterOptions) {
    this.api = opts.kubeConfig.makeApiClient(EventsV1Api);
    this.perSecond = opts.perSecond ?? 5;
    this.burst = opts.burst ?? 25;
    this.repeatAfterMs = opts.repeatAfterMs ?? 3_600_000;
    this.tokens = this.burst;
  }

  /** Leadership: the findings present now are announced (those this replica announced before are not repeated). */
  activate(current: readonly AuditResult[]): void {
    this.active = true;
    for (const r of current) this.changed(r, undefined);
  }

  deactivate(): void {
    this.active = false;
  }

  changed(result: AuditResult, previous: AuditResult | undefined): void {
    if (!this.active || !result.uid) return;
    const before = new Map((previous?.findings ?? []).map((f) => [findingKey(previous!, f), f]));
    const now = new Map(result.findings.map((f) => [findingKey(result, f), f]));
    for (const [key, f] of now) {
      if (before.has(key)) continue;
      const last = this.lastSent.get(key);
      if (last !== undefined && Date.now() - last < this.repeatAfterMs) continue;
      if (this.send(result, 'Warning', f.rule, f.message)) this.lastSent.set(key, Date.now());
    }
    const stillFailing = new Set(result.findings.map((f) => f.rule));
    for (const [key, f] of before) {
      if (now.has(key)) continue;
      this.lastSent.delete(key);
      if (!stillFailing.has(f.rule)) this.send(result, 'Normal', f.rule, `resolved: ${f.message}`);
    }
  }

  removed(previous: AuditResult): void {
    for (const f of previous.findings) this.lastSent.delete(findingKey(previous, f));
  }

  async flushed(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilled) / 1000) * this.perSecond);
    this.refilled = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private send(r: AuditResult, type: 'Warning' | 'Normal', reason: string, message: string): boolean {
    if (!this.take()) {
      this.opts.onDropped?.();
      return false;
    }
    const descriptor = kinds.find((k) => k.kind === r.kind)!;
    const now = new Date();
    // Unique per event, readable, and within the 253 characters of a name.
    const name = `${r.name.slice(0, 200)}.${now.getTime().toString(16)}${(this.seq++ % 4096).toString(16).padStart(3, '0')}`;
    const note = message.length > maxNote ? `${message.slice(0, maxNote - 3)}...` : message;
    const write = this.api
      .createNamespacedEvent({
        namespace: eventNamespace,
        body: {
          metadata: { name, namespace: eventNamespace },
          eventTime: new V1MicroTime(now.getTime()),
          reportingController: controller,
          reportingInstance: this.opts.instance.slice(0, 128),
          action: 'Audit',
          reason,
          type,
          note,
          regarding: { apiVersion: `${descriptor.group}/${descriptor.version}`, kind: r.kind, name: r.name, ...(r.uid ? { uid: r.uid } : {}) },
        },
      })
      .then(
        () => {
          this.failing = false;
        },
        (err: unknown) => {
          this.opts.onWriteError?.();
          // Once per incident at warn (a missing permission fails them all), then at debug.
          this.opts.logger[this.failing ? 'debug' : 'warn']({ err: describeError(err), reason, object: `${r.kind}/${r.name}` }, 'audit: writing an event failed');
          this.failing = true;
        },
      )
      .finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
    return true;
  }
}
