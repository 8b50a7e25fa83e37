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

/**
 * A result at once, or a promise of it when the work had to wait (a large review that gave the event loop a turn,
 * a lookup in the API server). Most reviews wait for nothing: an async chain would cost each of them a promise and
 * a microtask per level. Waiting is told apart with `instanceof Promise`: only native promises are used here.
 */
export type Eventually<T> = T | Promise<T>;

/** `f` of the value: at once when there is one, once the promise settles otherwise. */
export function andThen<T, U>(value: Eventually<T>, f: (v: T) => Eventually<U>): Eventually<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}
