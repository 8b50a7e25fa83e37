// `npm start` builds only when a source changed since the last build: a rebuild costs seconds, a check a
// few milliseconds. "Changed" is any file under src/ or a build input newer than the stamp the build writes.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const stamp = join('dist', '.build-stamp');
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

function newest(dir) {
  let latest = mtime(dir);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(path) : mtime(path));
  }
  return latest;
}

const built = mtime(stamp);
const inputs = Math.max(newest('src'), ...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map(mtime));
if (built < 0 || inputs > built) {
  // BUILD_CHECK_ONLY=1 (the benchmark) times the check without rebuilding under a running suite.
  if (process.env['BUILD_CHECK_ONLY'] === '1') console.log('dist/ is older than src/; would rebuild');
  else execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
} else {
  console.log('dist/ is up to date with src/; not rebuilding');
}
