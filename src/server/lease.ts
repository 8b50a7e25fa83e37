import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, statusCodeOf } from '../cluster/api-errors.js';

// One replica at a time writes audit reports and events: a coordination.k8s.io Lease, held by renewing it
// and taken over only after its holder let it expire. @kubernetes/client-node 1.x ships no leader election,
// hence this small loop (the same protocol as client-go's LeaseLock: holderIdentity, renewTime, leaseDurationSeconds).

export interface LeaseOptions {
  name: string;
  namespace: string;
  identity: string;
  /** A holder that has not renewed for this long has lost the lease. */
  durationMs?: number;
  /** How often the holder renews, and the others look. */
  renewEveryMs?: number;
  onStarted(): void;
  onStopped(): void;
  logger: Logger;
}

/** A time read back from the API server (a Date or its text) as MicroTime again. */
const micro = (t: Date | string) => new V1MicroTime(new Date(t).getTime());

export class LeaseElector {
  private readonly api: CoordinationV1Api;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;
  private failing = false;
  private readonly durationMs: number;
  private readonly renewEveryMs: number;

  constructor(kubeConfig: KubeConfig, private readonly opts: LeaseOptions) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.durationMs = opts.durationMs ?? 15_000;
    this.renewEveryMs = opts.renewEveryMs ?? Math.max(200, Math.floor(this.durationMs / 3));
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops trying; a holder gives the lease up at once so another replica need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.lose('audit lease released: shutting down');
    const release = async () => {
      const lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace });
      if (lease.spec?.holderIdentity === this.opts.identity) {
        lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
        await this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: lease });
      }
    };
    // Shutdown does not wait on an API server that does not answer: the Lease then expires by itself.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([release(), new Promise((r) => (timer = setTimeout(r, 2000)))]).catch(() => undefined);
    clearTimeout(timer);
  }

  private async tick(): Promise<void> {
    try {
      await this.tryAcquireOrRenew();
      this.failing = false;
    } catch (err) {
      // Once per incident at warn, the retries at debug.
      this.opts.logger[this.failing ? 'debug' : 'warn']({ err: describeError(err) }, 'audit lease: attempt failed; retrying');
      this.failing = true;
    }
    // A holder that could not renew in time must stop writing before another replica may start.
    if (this.leading && Date.now() - this.lastRenew > this.durationMs) this.lose();
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.renewEveryMs);
      this.timer.unref();
    }
  }

  private spec(now: V1MicroTime, transitions: number) {
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.durationMs / 1000)),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: transitions,
    };
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { name, namespace, identity } = this.opts;
    // Lease times are MicroTime: the API server wants six decimals.
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
      await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.spec(now, 0) } });
      this.win(now);
      return;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    if (holder === identity) {
      lease.spec = { ...spec, renewTime: now, ...(spec.acquireTime ? { acquireTime: micro(spec.acquireTime) } : {}) };
    } else {
      const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
      const duration = (spec.leaseDurationSeconds ?? 15) * 1000;
      if (holder && renewed + duration > now.getTime()) {
        if (this.leading) this.lose();
        return;
      }
      lease.spec = this.spec(now, (spec.leaseTransitions ?? 0) + 1);
    }
    // The resourceVersion makes this a compare-and-swap: two replicas cannot both take an expired lease.
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (err) {
      if (statusCodeOf(err) === 409) {
        if (this.leading) this.lose();
        return;
      }
      throw err;
    }
    this.win(now);
  }

  private win(now: Date): void {
    this.lastRenew = now.getTime();
    if (this.leading) return;
    this.leading = true;
    this.opts.logger.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'audit lease acquired: this replica writes reports and events');
    this.opts.onStarted();
  }

  private lose(why = 'audit lease lost: another replica writes reports and events'): void {
    if (!this.leading) return;
    this.leading = false;
    this.opts.logger.info({ lease: `${this.opts.namespace}/${this.opts.name}` }, why);
    this.opts.onStopped();
  }
}
