import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fromRoot } from '../helpers/paths.js';

// What the benches read of the processes they start: peak memory, and a stop that waits for the exit; and the
// node flags the image runs the server with, so that a bench's servers run as in production.

/** package.json's config.nodeFlags, the flags of the image's ENTRYPOINT (a test holds the two together). */
export const imageNodeFlags: string[] = (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { config: { nodeFlags: string } }).config.nodeFlags.split(' ').filter(Boolean);

/** Peak resident memory of a process so far (VmHWM, 'self' for this one), in MB: what a memory limit has to allow for. */
export function peakRssMB(pid: number | 'self'): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Kills a server under test and waits until it has exited (its exit handler, if any, is dropped first). */
export async function stopServer(s: { child: ChildProcess }): Promise<void> {
  s.child.removeAllListeners('exit');
  const exited = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGKILL');
  await exited;
}
