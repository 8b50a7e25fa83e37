import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { GuardedKind, ObjectStore, StateChange } from '../cluster/object-store.js';
import type { ClusterState, NodeInfo } from '../cluster/state.js';
import type { RulesConfig } from '../resources/config.js';
import { hasLabels, selectorMatches } from '../rules/labels.js';
import { getPath, isPlainObject } from '../rules/values.js';
import { type AuditResult, auditObject, auditView, guardedKinds, sameResult } from './audit.js';

// The in-server auditor: every change the cluster state sees marks the stored objects it can affect, and a
// debounced pass re-checks only those; a periodic pass re-checks everything. Results go to sinks (metrics,
// reports, events); each sink hears only what changed.

export interface AuditSink {
  /** A result that is new or says something else than before (previous undefined: new). */
  changed?(result: AuditResult, previous: AuditResult | undefined): void;
  /** The object is gone (or no longer kept). */
  removed?(previous: AuditResult): void;
  /** A pass ended. */
  passDone?(pass: PassStats): void;
}

export interface PassStats {
  scope: 'full' | 'changes';
  objects: number;
  changed: number;
  seconds: number;
}

/** The state the auditor reads: the rules' interface plus a node by name (for agent changes). */
export type AuditedState = ClusterState & { node(name: string): NodeInfo | undefined };

export interface AuditorOptions {
  state: AuditedState;
  objects: ObjectStore;
  config: RulesConfig;
  logger: Logger;
  sinks: AuditSink[];
  /** Changes arriving within this window are checked in one pass. */
  debounceMs?: number;
  /** Between full passes; 0: none (changes only). */
  fullPassIntervalMs?: number;
  /** Longest stretch of checking between two yields to the event loop, so admission never waits long behind a pass. */
  sliceMs?: number;
}

const keyOf = (kind: GuardedKind, name: string) => `${kind}/${name}`;

export class Auditor {
  private readonly results = new Map<string, AuditResult>();
  private readonly dirty = new Set<string>();
  private fullPending = true;
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private readonly view: ClusterState & { forget(): void };
  readonly debounceMs: number;

  constructor(private readonly opts: AuditorOptions) {
    this.view = auditView(opts.state);
    this.debounceMs = opts.debounceMs ?? 1000;
  }

  start(): void {
    this.unsubscribe = this.opts.objects.subscribe((c) => this.onChange(c));
    const every = this.opts.fullPassIntervalMs ?? 600_000;
    if (every > 0) {
      this.interval = setInterval(() => {
        this.fullPending = true;
        this.schedule(0);
      }, every);
      this.interval.unref();
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    clearInterval(this.interval);
    await this.running;
  }

  /** The current result of every checked object. */
  current(): AuditResult[] {
    return [...this.results.values()];
  }

  /** Resolves when nothing is pending (for tests and the benchmark). */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Which stored objects a change can affect; the summaries are cheap to scan, the rules are what costs. */
  affected(change: StateChange): string[] {
    const out = new Set<string>();
    const { state, objects } = this.opts;
    const gatewaysFor = (node: NodeInfo | undefined) => {
      if (!node) return;
      for (const name of state.gatewayNames()) {
        const gw = state.gateway(name);
        if (gw && hasLabels(node.labels, gw.nodeSelector ?? {})) out.add(keyOf('EgressGateway', name));
      }
      for (const a of node.addresses) for (const name of state.gatewaysWithVirtualIP(a.address)) out.add(keyOf('EgressGateway', name));
      for (const cegp of objects.list('CiliumEgressGatewayPolicy')) {
        if (ciliumSelectors(cegp.object).some((s) => selectorMatches(s, node.labels))) out.add(keyOf('CiliumEgressGatewayPolicy', cegp.name));
      }
    };
    switch (change.type) {
      case 'node':
        gatewaysFor(change.before);
        gatewaysFor(change.after);
        break;
      case 'agent':
        for (const n of change.nodes) gatewaysFor(state.node(n));
        break;
      case 'gateway': {
        out.add(keyOf('EgressGateway', change.name));
        for (const p of state.policiesUsingGateway(change.name)) out.add(keyOf('EgressGatewayPolicy', p));
        // Gateways that shared (or now share) its virtual IP.
        for (const vip of [change.before?.virtualIP, change.after?.virtualIP]) {
          if (vip) for (const g of state.gatewaysWithVirtualIP(vip)) out.add(keyOf('EgressGateway', g));
        }
        break;
      }
      case 'policy':
        out.add(keyOf('EgressGatewayPolicy', change.name));
        break;
      case 'object':
        out.add(keyOf(change.kind, change.name));
        break;
    }
    return [...out];
  }

  private onChange(change: StateChange): void {
    if (this.stopped) return;
    this.view.forget();
    for (const k of this.affected(change)) this.dirty.add(k);
    if (this.dirty.size > 0) this.schedule(this.debounceMs);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        // One pass at a time; this one picks up what arrived meanwhile.
        void this.running.then(() => this.schedule(0));
        return;
      }
      this.running = this.pass().finally(() => (this.running = undefined));
    }, ms);
  }

  private ready(): boolean {
    if (!this.opts.state.syncStatus().synced) return false;
    return guardedKinds.every((k) => k === 'CiliumEgressGatewayPolicy' || !this.opts.config.kinds.includes(k) || this.opts.objects.isSynced(k));
  }

  private async pass(): Promise<void> {
    if (!this.ready()) {
      // Nothing is judged against a half-filled cache; try again shortly.
      this.schedule(Math.max(this.debounceMs, 500));
      return;
    }
    const started = process.hrtime.bigint();
    const full = this.fullPending;
    this.fullPending = false;
    let keys: string[];
    if (full) {
      this.dirty.clear();
      keys = [];
      for (const kind of guardedKinds) {
        if (this.opts.config.kinds.includes(kind)) for (const o of this.opts.objects.list(kind)) keys.push(keyOf(kind, o.name));
      }
      const live = new Set(keys);
      for (const k of this.results.keys()) if (!live.has(k)) keys.push(k);
    } else {
      keys = [...this.dirty];
      this.dirty.clear();
    }
    const sliceNs = BigInt(Math.round((this.opts.sliceMs ?? 2) * 1e6));
    let sliceStart = process.hrtime.bigint();
    let changed = 0;
    for (const key of keys) {
      if (this.stopped) return;
      if (process.hrtime.bigint() - sliceStart > sliceNs) {
        await yieldToEventLoop();
        sliceStart = process.hrtime.bigint();
      }
      if (await this.check(key)) changed++;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stats: PassStats = { scope: full ? 'full' : 'changes', objects: keys.length, changed, seconds };
    for (const s of this.opts.sinks) s.passDone?.(stats);
    this.opts.logger.debug(stats, 'audit pass');
  }

  /**
   * Re-checks one object; true when its result changed. Its awaits settle in microtasks (the audit view never
   * asks the API server), so no watch event lands midway.
   */
  private async check(key: string): Promise<boolean> {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash) as GuardedKind;
    const name = key.slice(slash + 1);
    const stored = this.opts.config.kinds.includes(kind) ? this.opts.objects.get(kind, name) : undefined;
    const previous = this.results.get(key);
    if (!stored) {
      if (!previous) return false;
      this.results.delete(key);
      for (const s of this.opts.sinks) this.safely(() => s.removed?.(previous));
      return true;
    }
    const result = await auditObject(stored, this.view, this.opts.config);
    if (sameResult(previous, result)) return false;
    this.results.set(key, result);
    for (const s of this.opts.sinks) this.safely(() => s.changed?.(result, previous));
    return true;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'audit sink failed');
    }
  }
}

/** The node selectors of a CiliumEgressGatewayPolicy's gateways (egressGateway and egressGateways[]). */
function ciliumSelectors(object: unknown): unknown[] {
  const out: unknown[] = [];
  const one = getPath(object, 'spec', 'egressGateway', 'nodeSelector');
  if (isPlainObject(one)) out.push(one);
  const many = getPath(object, 'spec', 'egressGateways');
  if (Array.isArray(many)) for (const g of many) if (isPlainObject(g) && isPlainObject(g['nodeSelector'])) out.push(g['nodeSelector']);
  return out;
}
