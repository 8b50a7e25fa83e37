import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fromRoot } from './paths.js';

// `egress-gateway-webhook serve` as a child process, its JSON log lines collected as they come.

export const cli = fromRoot('dist/src/cli/main.js');

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  metricsUrl: string;
  logs: any[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Waits for a log line (it comes on another pipe than HTTPS answers). */
  logLine(match: (l: any) => boolean, ms?: number): Promise<any>;
}

export function startServe(args: string[], entry = cli, nodeFlags: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...nodeFlags, entry, 'serve', '--port', '0', '--metrics-port', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const logs: any[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let url = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${JSON.stringify(logs)}`)), 20_000);
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${JSON.stringify(logs)}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line);
      logs.push(entry);
      const m = /^Server listening at (https:\/\/127\.0\.0\.1:\d+)$/.exec(entry.msg);
      if (m) url = m[1]!;
      if (entry.msg === 'metrics listening') {
        clearTimeout(timer);
        resolve({
          child,
          url,
          metricsUrl: entry.address,
          logs,
          exited,
          async logLine(match, ms = 2000) {
            for (let waited = 0; waited < ms; waited += 20) {
              const found = logs.find(match);
              if (found) return found;
              await new Promise((r) => setTimeout(r, 20));
            }
            throw new Error(`no such log line in ${JSON.stringify(logs)}`);
          },
        });
      }
    });
  });
}
