/**
 * Items handed in during one turn of the event loop, run together at its end: `setImmediate` fires after every
 * socket that had data in this turn has been read. `run` must not throw; it would take the process down.
 */
export function togetherPerTurn<T>(run: (items: readonly T[]) => void): (item: T) => void {
  let pending: T[] = [];
  const flush = () => {
    const items = pending;
    pending = [];
    run(items);
  };
  return (item) => {
    if (pending.push(item) === 1) setImmediate(flush);
  };
}
