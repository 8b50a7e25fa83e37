import { readFileSync } from 'node:fs';

// The version users see (--version, the first log line, build_info, SARIF) is the package's own, read once
// from the package.json that ships beside dist/ (the image copies it too).

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = String((JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
