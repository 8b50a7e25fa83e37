import type { Eventually, Staged } from '../rules/stages.js';
import { nextTurn } from './turns.js';

// A review of a 3 MiB object takes tens of milliseconds per stage. Run in one piece it holds the event loop for
// all of them, and a probe's TLS handshake, which needs a few turns of the loop, waits for several such reviews
// in a row. Between stages that ran longer than a slice, the loop gets a turn; small reviews never pause.

/** Longest run of stages without giving the event loop a turn, in milliseconds. */
export const sliceMs = 10;

/**
 * Runs a staged check, giving the event loop a turn between stages once a slice has been used. A check that fits
 * in one slice (nearly every review) returns its result itself, not a promise.
 */
export function paced<T>(run: Staged<T>, started = performance.now(), clock: () => number = () => performance.now()): Eventually<T> {
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
    if (clock() - started >= sliceMs) return pacedFromNextTurn(run, clock);
  }
}

async function pacedFromNextTurn<T>(run: Staged<T>, clock: () => number): Promise<T> {
  for (;;) {
    await nextTurn();
    const since = clock();
    for (;;) {
      const step = run.next();
      if (step.done) return step.value;
      if (clock() - since >= sliceMs) break;
    }
  }
}
