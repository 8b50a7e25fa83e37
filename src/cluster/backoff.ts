// The one retry policy for calls to the API server: exponential from `minMs` to `maxMs`, with ±20 % jitter so
// replicas that failed together do not retry together.

export class Backoff {
  private current: number;

  constructor(
    private readonly minMs = 500,
    private readonly maxMs = 30_000,
  ) {
    this.current = minMs;
  }

  /** The delay before the next try (jittered); the one after it is twice as long, up to the maximum. */
  next(): number {
    const delay = this.current * (0.8 + Math.random() * 0.4);
    this.current = Math.min(this.current * 2, this.maxMs);
    return delay;
  }

  /** The delay `next()` would base its answer on, for log lines. */
  peek(): number {
    return this.current;
  }

  reset(): void {
    this.current = this.minMs;
  }
}
