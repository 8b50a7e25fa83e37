// Open-loop load at a fixed arrival rate: request i leaves at start + i/rate whether or not earlier ones have
// come back, over a pool of keep-alive HTTPS connections (undici), and each latency is recorded in
// microseconds (hdr-histogram-js). autocannon's rate mode is not used for this: it sends each connection's
// quota for the second as fast as it can and then pauses, so "1,000 req/s" is a burst at full speed every
// second, and it corrects its histogram with a 1 ms expected interval, which turns every response slower
// than 1 ms into a tail of invented samples.
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';

export interface PacedRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface PacedResult {
  /** Requests per second over the run, from the first sent to the last settled (failures are in `errors`). */
  rps: number;
  /** Requests sent in the run (each settled before the run ended). */
  sent: number;
  /** Latency percentiles in milliseconds, from the moment a request is handed to the pool. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** How late the pacer handed out requests, in milliseconds, at p99: a large value means the client fell behind. */
  pacerLagP99: number;
  errors: number;
  non2xx: number;
}

export interface PacedOptions {
  origin: string;
  ca: string;
  requests: PacedRequest[];
  rate: number;
  seconds: number;
  /** Seconds at the same rate on the same connections before the measured run (default 1). */
  warmUpSeconds?: number;
  /** Called between the warm-up and the measured run: where a caller reads the server's CPU time. */
  onMeasure?: () => void;
  connections?: number;
}

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });

/** Samples of one or more paced runs; several runs against the same server can be pooled into one. */
export class PacedSamples {
  readonly latencyUs = histogram();
  readonly lagUs = histogram();
  sent = 0;
  seconds = 0;
  errors = 0;
  non2xx = 0;

  summary(): PacedResult {
    const ms = (us: number) => us / 1000;
    return {
      rps: this.sent / this.seconds,
      sent: this.sent,
      p50: ms(this.latencyUs.getValueAtPercentile(50)),
      p99: ms(this.latencyUs.getValueAtPercentile(99)),
      p999: ms(this.latencyUs.getValueAtPercentile(99.9)),
      max: ms(this.latencyUs.maxValue),
      pacerLagP99: ms(this.lagUs.getValueAtPercentile(99)),
      errors: this.errors,
      non2xx: this.non2xx,
    };
  }
}

export async function pacedLoad(opts: PacedOptions, into = new PacedSamples()): Promise<PacedSamples> {
  // A request unanswered for 10 s counts as an error instead of holding the run open.
  const pool = new Pool(opts.origin, {
    connections: opts.connections ?? 10,
    connect: { ca: opts.ca, servername: 'localhost' },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  // The same rate on the same pool first, not recorded: TLS handshakes of new connections and the server's
  // first optimisations are not what the measurement is about.
  await run(pool, opts, opts.warmUpSeconds ?? 1, new PacedSamples());
  opts.onMeasure?.();
  await run(pool, opts, opts.seconds, into);
  await pool.close();
  return into;
}

async function run(pool: Pool, opts: PacedOptions, seconds: number, into: PacedSamples): Promise<void> {
  const total = Math.round(opts.rate * seconds);
  const intervalMs = 1000 / opts.rate;
  let sent = 0;
  let done = 0;

  const fire = (scheduled: number) => {
    const req = opts.requests[sent % opts.requests.length]!;
    const began = performance.now();
    into.lagUs.recordValue(Math.max(1, Math.round((began - scheduled) * 1000)));
    sent++;
    pool
      .request({ method: req.method, path: req.path, headers: req.headers, body: req.body })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300) into.non2xx++;
        into.latencyUs.recordValue(Math.max(1, Math.round((performance.now() - began) * 1000)));
      })
      .catch(() => into.errors++)
      .finally(() => done++);
  };

  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) fire(start + sent * intervalMs);
      if (sent < total) {
        setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
        return;
      }
      const wait = () => (done >= total ? resolve() : setTimeout(wait, 5));
      wait();
    };
    tick();
  });
  into.sent += total;
  into.seconds += (performance.now() - start) / 1000;
}
