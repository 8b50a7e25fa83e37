import { collectDefaultMetrics, Counter, Gauge, type Histogram, Registry } from 'prom-client';
import type { Decision } from '../admission/admit.js';
import { catalogue, isAnyRuleId, isRuleId } from '../rules/catalogue.js';

// Prometheus metrics (prom-client), served as text on their own plain-HTTP port.

export interface CacheKindStatus {
  kind: string;
  synced: boolean;
  /** Unix ms of the last list or watch event of this kind. */
  lastSyncMs?: number;
}

export interface MetricsSources {
  /** Live cache state per kind; absent with file-backed state. */
  cache?: () => CacheKindStatus[];
  /** Unix ms when the serving certificate expires. */
  certificateExpiryMs?: () => number | undefined;
}

const prefix = 'egress_gateway_webhook_';

// Every label value comes from a closed set, whatever the requests carry: a value a request chose (a made-up
// kind, a URL with a query string) would add a series per request until the scraper or the process gives out.
const other = 'other';
// Node: the optional node webhook's reviews.
const knownKinds = new Set<string>([...catalogue.flatMap((r) => r.kinds), 'Node']);
const knownOperations = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);
const knownEndpoints = new Set(['validate', 'mutate', 'warn-node', '/validate', '/mutate', '/warn-node', '/healthz', '/readyz']);
const knownCodes = new Set(['400', '404', '405', '408', '411', '413', '415', '429', '431']);
const closed = (known: ReadonlySet<string>, value: string) => (known.has(value) ? value : other);

/**
 * The labelled child of a metric, looked up once per label combination: prom-client hashes the label object
 * on every inc/observe, which costs more per review than some rules do.
 */
function childCache<T>(make: (labels: string[]) => T): (...labels: string[]) => T {
  // One map level per label: a lookup allocates nothing (no key string, no array).
  const root = new Map<string, unknown>();
  return (...labels) => {
    let level = root;
    for (let i = 0; i < labels.length - 1; i++) {
      let next = level.get(labels[i]!) as Map<string, unknown> | undefined;
      if (!next) level.set(labels[i]!, (next = new Map()));
      level = next;
    }
    const last = labels[labels.length - 1]!;
    let child = level.get(last) as T | undefined;
    if (child === undefined) level.set(last, (child = make(labels)));
    return child;
  };
}

/**
 * Counts of a counter's label sets, kept as plain numbers and handed to prom-client when the metrics are read: its
 * inc() validates and hashes the labels on every call, which costs more per review than the count is worth.
 */
class Tallies<L extends string> {
  private readonly all: { labels: Partial<Record<L, string>>; pending: number }[] = [];

  /** A tally for one label set; its series exists (at 0) from now on, as with prom-client's own children. */
  make(counter: Counter<L>, labels: Partial<Record<L, string>>): { pending: number } {
    counter.inc(labels, 0);
    const t = { labels, pending: 0 };
    this.all.push(t);
    return t;
  }

  /** For the counter's collect(): adds what was counted since the last read. */
  flush(counter: Counter<L>): void {
    for (const t of this.all) {
      if (t.pending === 0) continue;
      counter.inc(t.labels, t.pending);
      t.pending = 0;
    }
  }
}

interface Series {
  labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative); one past the last bound counts only in +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram whose label sets are made once and observed as plain numbers: prom-client's observe() validates
 * and hashes the labels on every call. The registry reads it through get(), in the text prom-client writes for
 * its own histograms (buckets cumulative, `le` first, then +Inf, sum and count per label set).
 */
class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  series(labels: Readonly<Record<string, string>>): Series {
    const s: Series = { labels, counts: this.bounds.map(() => 0), sum: 0, count: 0 };
    this.all.push(s);
    return s;
  }

  observe(s: Series, value: number): void {
    // prom-client refuses such a value; one would turn the sum into NaN for good.
    if (!Number.isFinite(value)) return;
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    if (i < this.bounds.length) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.all) {
      // A label set is made on its first observation; after a reset it is absent until observed again, as in prom-client.
      if (s.count === 0) continue;
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ labels: { le, ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    for (const s of this.all) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

/** How often the default metrics' event-loop delay histogram takes a sample, in milliseconds. */
const eventLoopSamplingMs = 100;

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly admissions: Counter<'endpoint' | 'kind' | 'operation' | 'verdict'>;
  private readonly duration: PlainHistogram;
  private readonly warnings: Counter<'rule'>;
  private readonly denials: Counter<'rule'>;
  private readonly wouldDeny: Counter<'kind' | 'rule'>;
  private readonly wouldDenyOf;
  private readonly badRequests: Counter<'endpoint' | 'code'>;
  private readonly admissionsOf;
  private readonly durationOf;
  private readonly warningsOf;
  private readonly denialsOf;

  constructor(sources: MetricsSources = {}) {
    const registers = [this.registry];
    // The event-loop delay histogram samples on a timer; prom-client's 10 ms wakes an idle webhook 100 times a
    // second, which cost 5.7 ms of CPU a second on the bench machine (0.7 at 100 ms): a tenth of the chart's CPU
    // request, for a process that mostly waits. At 100 ms a stall still shows once it spans a sample.
    collectDefaultMetrics({ register: this.registry, prefix, eventLoopMonitoringPrecision: eventLoopSamplingMs });
    const admissionTallies = new Tallies<'endpoint' | 'kind' | 'operation' | 'verdict'>();
    this.admissions = new Counter({
      name: `${prefix}admission_requests_total`,
      help: 'Admission reviews answered, by endpoint, kind, operation and verdict (allowed, denied, error).',
      labelNames: ['endpoint', 'kind', 'operation', 'verdict'],
      registers,
      collect() {
        admissionTallies.flush(this);
      },
    });
    this.duration = new PlainHistogram(
      `${prefix}admission_duration_seconds`,
      'Time to decide an admission review, from the parsed body to the decision, its wait in the event loop included.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    // The registry asks a metric only for its name, get() and reset() (metrics(), getMetricsAsJSON(), resetMetrics(),
    // clear(), merge()): the type is prom-client's, the shape ours. It has no labels(), startTimer(), zero() or remove().
    this.registry.registerMetric(this.duration as unknown as Histogram);
    const warningTallies = new Tallies<'rule'>();
    const denialTallies = new Tallies<'rule'>();
    this.warnings = new Counter({
      name: `${prefix}warnings_total`,
      help: 'Warnings returned, by rule.',
      labelNames: ['rule'],
      registers,
      collect() {
        warningTallies.flush(this);
      },
    });
    this.denials = new Counter({
      name: `${prefix}denials_total`,
      help: 'Field errors that denied a review, by rule.',
      labelNames: ['rule'],
      registers,
      collect() {
        denialTallies.flush(this);
      },
    });
    this.badRequests = new Counter({
      name: `${prefix}bad_requests_total`,
      help: 'Requests refused before any rule ran (not JSON, not an AdmissionReview, too large), by HTTP code.',
      labelNames: ['endpoint', 'code'],
      registers,
    });
    this.admissionsOf = childCache(([endpoint, kind, operation, verdict]) => admissionTallies.make(this.admissions, { endpoint, kind, operation, verdict }));
    this.durationOf = childCache(([endpoint, kind]) => this.duration.series({ endpoint: endpoint!, kind: kind! }));
    this.warningsOf = childCache(([rule]) => warningTallies.make(this.warnings, { rule }));
    this.denialsOf = childCache(([rule]) => denialTallies.make(this.denials, { rule }));
    this.wouldDeny = new Counter({
      name: `${prefix}would_deny_total`,
      help: 'Warn mode: reviews allowed that this rule would have denied, by kind and rule (a review counts once per rule).',
      labelNames: ['kind', 'rule'],
      registers,
    });
    this.wouldDenyOf = childCache(([kind, rule]) => this.wouldDeny.labels({ kind, rule }));
    new Gauge({
      name: `${prefix}certificate_expiry_timestamp_seconds`,
      help: 'When the serving certificate expires (Unix seconds).',
      registers,
      collect() {
        const ms = sources.certificateExpiryMs?.();
        if (ms !== undefined) this.set(ms / 1000);
      },
    });
    if (sources.cache) {
      const cache = sources.cache;
      new Gauge({
        name: `${prefix}cache_synced`,
        help: '1 once the first list of this kind has arrived.',
        labelNames: ['kind'],
        registers,
        collect() {
          for (const k of cache()) this.set({ kind: k.kind }, k.synced ? 1 : 0);
        },
      });
      new Gauge({
        name: `${prefix}cache_last_sync_timestamp_seconds`,
        help: 'Last list or watch event of this kind (Unix seconds).',
        labelNames: ['kind'],
        registers,
        collect() {
          for (const k of cache()) if (k.lastSyncMs !== undefined) this.set({ kind: k.kind }, k.lastSyncMs / 1000);
        },
      });
    }
  }

  /** `endpoint` is the route's name (validate, mutate); kind and operation as the request gave them. */
  admission(endpoint: string, operation: string, decision: Decision | undefined, kind: string, seconds: number): void {
    const verdict = decision === undefined ? 'error' : decision.verdict === 'denied' ? 'denied' : 'allowed';
    const ep = closed(knownEndpoints, endpoint);
    const k = closed(knownKinds, kind);
    this.admissionsOf(ep, k, closed(knownOperations, operation), verdict).pending++;
    this.duration.observe(this.durationOf(ep, k), seconds);
    for (const [rule, n] of decision?.warnedBy ?? []) this.warningsOf(isAnyRuleId(rule) ? rule : other).pending += n;
    for (const [rule, n] of decision?.deniedBy ?? []) this.denialsOf(isRuleId(rule) ? rule : other).pending += n;
    // A review counts once per rule it would have been denied by.
    for (const rule of decision?.wouldDenyBy?.keys() ?? []) this.wouldDenyOf(k, isRuleId(rule) ? rule : other).inc();
  }

  /** `route` is the matched route's pattern (never the URL a client sent), or undefined when none matched. */
  badRequest(route: string | undefined, code: number): void {
    this.badRequests.inc({ endpoint: route === undefined ? other : closed(knownEndpoints, route), code: closed(knownCodes, String(code)) });
  }
}
