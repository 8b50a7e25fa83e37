import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paced, sliceMs } from '../src/admission/pacing.js';
import { finish, type Staged } from '../src/rules/stages.js';

// A staged check gives the event loop a turn between stages once it has used a slice, and not before.

describe('pacing of staged checks', () => {
  /** Three stages, each taking `ms` on a fake clock and noting itself in `log`. */
  function* stages(log: string[], clock: { t: number }, ms: number): Staged<string> {
    for (const name of ['a', 'b', 'c']) {
      clock.t += ms;
      log.push(name);
      if (name !== 'c') yield;
    }
    return 'done';
  }

  it('long stages: other work runs between them', async () => {
    const log: string[] = [];
    const clock = { t: 0 };
    setImmediate(() => log.push('other'));
    assert.equal(await paced(stages(log, clock, sliceMs), 0, () => clock.t), 'done');
    assert.deepEqual(log, ['a', 'other', 'b', 'c']);
  });

  it('short stages: all in one turn, as before', async () => {
    const log: string[] = [];
    const clock = { t: 0 };
    setImmediate(() => log.push('other'));
    assert.equal(await paced(stages(log, clock, 1), 0, () => clock.t), 'done');
    assert.deepEqual(log, ['a', 'b', 'c']);
    await new Promise(setImmediate);
    assert.deepEqual(log, ['a', 'b', 'c', 'other']);
  });

  it('stages within one slice: the result itself, no promise', () => {
    const clock = { t: 0 };
    assert.equal(paced(stages([], clock, 1), 0, () => clock.t), 'done');
  });

  it('offline: finish runs every stage at once', () => {
    const log: string[] = [];
    assert.equal(finish(stages(log, { t: 0 }, 100)), 'done');
    assert.deepEqual(log, ['a', 'b', 'c']);
  });
});
