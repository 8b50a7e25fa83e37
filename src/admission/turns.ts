// One turn of the event loop, in two parts. The reviews that arrived in it are decided and answered first
// (server/app.ts), then the work that waits for a turn goes on: the slices of large reviews (pacing.ts) and the
// parse of large bodies. So a small review waits for at most the slices already running when it arrived, as when
// each review was answered as soon as it was read, and never for the slices queued in the same turn.
// Callbacks must not throw: nothing would catch it, and the process would exit.
// Asynchronous context (AsyncLocalStorage) is the scheduling turn's, not the request's.

let arrived: Array<() => void> = [];
let waiting: Array<() => void> = [];
let scheduled = false;

function turn(): void {
  scheduled = false;
  const first = arrived;
  const then = waiting;
  arrived = [];
  waiting = [];
  for (const f of first) f();
  for (const f of then) f();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(turn);
}

/** Runs `f` in this turn's check phase, before the work waiting for a turn. */
function inThisTurn(f: () => void): void {
  arrived.push(f);
  schedule();
}

/** Runs `f` in a later turn, after the reviews that arrived by then. */
export function afterNextTurn(f: () => void): void {
  waiting.push(f);
  schedule();
}

/** A promise that settles as `afterNextTurn` runs. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => afterNextTurn(resolve));
}

/**
 * Items handed in during one turn, run together in its check phase by `run`, which must not throw.
 */
export function togetherPerTurn<T>(run: (items: readonly T[]) => void): (item: T) => void {
  let pending: T[] = [];
  const flush = () => {
    const items = pending;
    pending = [];
    run(items);
  };
  return (item) => {
    if (pending.push(item) === 1) inThisTurn(flush);
  };
}
