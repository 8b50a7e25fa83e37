// A check in stages: a generator that yields between its parts, so that the server can let other work run
// (a /healthz probe, a small review) while a large object is checked. Offline callers run it to the end at once.

/** A check that pauses (yields) between its stages and returns its result at the end. */
export type Staged<T> = Generator<void, T, void>;

/** Runs every stage now. */
export function finish<T>(run: Staged<T>): T {
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}
