import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fromRoot } from '../helpers/paths.js';

// What the benches read of the processes they start: peak memory, and a stop that waits for the exit; the node
// flags the image runs the server with, so that a bench's servers run as in production; and the start of a bench
// server alone.

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

/**
 * Starts bench-server.js in `mode` with these node flags, its TLS key and certificate from `dir` (tls.key,
 * tls.crt); resolves with its port once it listens, rejects if it exits first.
 */
export function startBenchServer(opts: { mode: string; flags: string[]; stateFiles: string[]; dir: string; cwd?: string }): Promise<{ port: number; child: ChildProcess }> {
  const server = join(fileURLToPath(new URL('.', import.meta.url)), 'bench-server.js');
  const child = spawn(process.execPath, [...opts.flags, server, opts.mode, ...opts.stateFiles], {
    env: { ...process.env, BENCH_KEY: join(opts.dir, 'tls.key'), BENCH_CERT: join(opts.dir, 'tls.crt') },
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${opts.mode} server exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (\d+)$/.exec(line);
      if (m) resolve({ port: Number(m[1]), child });
    });
  });
}
