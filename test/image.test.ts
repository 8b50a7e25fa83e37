import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sendExample } from './helpers/examples.js';
import { fromRoot } from './helpers/paths.js';
import { startServe } from './helpers/serve-process.js';

// No Docker engine here: the Dockerfile is checked by reading it, and its production install is reproduced in a
// temporary folder (npm ci --omit=dev, dist/src copied) and started, proving the image's contents are enough.

const dockerfile = readFileSync(fromRoot('Dockerfile'), 'utf8');
const instructions = dockerfile
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'))
  .map((l) => l.trim());
const packageJson = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8'));
const ltsNode = packageJson.config.ltsNode as string;
const imageNodeFlags = (packageJson.config.nodeFlags as string).split(' ');

describe('Dockerfile', () => {
  it('is multi-stage on the slim Node LTS the suite also runs on', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    assert.equal(froms.length, 3);
    for (const f of froms) assert.match(f, new RegExp(`^FROM node:${ltsNode.split('.')[0]}-bookworm-slim( AS [a-z-]+)?$`));
  });

  it('builds with dev dependencies, ships production dependencies and dist/src only, as a numeric non-root user', () => {
    assert.ok(instructions.includes('RUN npm run build'));
    assert.ok(instructions.includes('RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts'));
    const last = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(last, /COPY --from=production-dependencies \/app\/node_modules \.\/node_modules/);
    assert.match(last, /COPY --from=build \/app\/dist\/src \.\/dist\/src/);
    assert.doesNotMatch(last, /COPY (src|test)\b/);
    const user = /^USER (\d+):(\d+)$/m.exec(last);
    assert.ok(user && Number(user[1]) > 0 && Number(user[2]) > 0, 'numeric, not root');
    // The image's node flags are package.json's config.nodeFlags: npm start and the benchmarks use those.
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(last);
    assert.deepEqual(JSON.parse(entrypoint![1]!), ['node', ...imageNodeFlags, 'dist/src/cli/main.js']);
    assert.deepEqual(imageNodeFlags, ['--max-semi-space-size=4']);
    assert.equal(packageJson.scripts.start, 'node $npm_package_config_nodeFlags dist/src/cli/main.js serve');
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(fromRoot('.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const sources = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from=')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    assert.deepEqual(sources, ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'package.json', 'package-lock.json', 'package.json', 'examples/cluster-state.yaml']);
    for (const s of sources) {
      assert.ok(existsSync(fromRoot(s)), `${s} exists`);
      assert.ok(!ignored.includes(s) && !ignored.includes(s.split('/')[0]!), `${s} is not ignored`);
    }
  });
});

describe('the image contents', () => {
  it('production dependencies and dist/src alone start the server and answer reviews', async () => {
    const app = mkdtempSync(join(tmpdir(), 'egw-image-'));
    for (const f of ['package.json', 'package-lock.json']) cpSync(fromRoot(f), join(app, f));
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, stdio: 'pipe' });
    cpSync(fromRoot('dist/src'), join(app, 'dist/src'), { recursive: true });
    cpSync(fromRoot('examples/cluster-state.yaml'), join(app, 'examples/cluster-state.yaml'));
    assert.ok(!existsSync(join(app, 'node_modules', 'typescript')), 'no dev dependencies');
    // As the ENTRYPOINT starts it, node flags included.
    const run = await startServe(['--cert-dir', join(app, 'certs')], join(app, 'dist/src/cli/main.js'), imageNodeFlags);
    try {
      const { res, documented } = await sendExample(run.url, readFileSync(join(app, 'certs', 'ca.crt'), 'utf8'), '/validate', 'review-policy-typo');
      assert.deepEqual(res.json, documented);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
