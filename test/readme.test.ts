import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromRoot } from './helpers/paths.js';

// The README stands alone: what it names exists, what it shows a command printing is what the command prints,
// and the versions it states are the ones CI tests.

const readme = readFileSync(fromRoot('README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as {
  version: string;
  license: string;
  engines: { node: string };
  config: { oldestNode: string; ltsNode: string };
};
const major = (v: string) => v.split('.')[0]!;

/** ```console blocks that start with a command of this package: the command, and the lines it prints. */
function consoleExamples(): { command: string; output: string }[] {
  const out: { command: string; output: string }[] = [];
  for (const m of readme.matchAll(/^( *)```console\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1]!.length;
    const lines = m[2]!.split('\n').map((l) => l.slice(indent));
    const first = lines[0] ?? '';
    if (!first.startsWith('$ npx egress-gateway-webhook ')) continue;
    out.push({ command: first.slice('$ npx egress-gateway-webhook '.length), output: lines.slice(1).join('\n') });
  }
  return out;
}

describe('README', () => {
  it('every example file it names is in the repository', () => {
    const named = new Set([...readme.matchAll(/\bexamples\/[A-Za-z0-9._/-]*[A-Za-z0-9_/]/g)].map((m) => m[0]));
    assert.ok(named.size >= 6, [...named].join(', '));
    for (const path of named) assert.ok(existsSync(fromRoot(path)), `${path} is named in the README but missing`);
  });

  it('every command it shows prints exactly what it shows', () => {
    const examples = consoleExamples();
    assert.ok(examples.length >= 3);
    for (const { command, output } of examples) {
      // The README's commands are plain words: no quoting to interpret.
      const r = spawnSync(process.execPath, [fromRoot('dist/src/cli/main.js'), ...command.split(' ')], { cwd: fromRoot(''), encoding: 'utf8' });
      assert.equal(r.stdout + r.stderr, output, `$ egress-gateway-webhook ${command}`);
    }
  });

  it('refers to nothing outside the repository', () => {
    assert.doesNotMatch(readme, /\.\.\/|SPEC\.md|specification|\/work\//i);
    // Code spans are not links (a regex in a message can look like one).
    const prose = readme.replace(/``[^`]*``|`[^`\n]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)#]+)\)/g)) {
      const target = m[1]!;
      if (/^https?:\/\//.test(target)) continue;
      assert.ok(existsSync(fromRoot(target)), `link to ${target}`);
    }
  });

  it('states the Node.js versions CI tests, which are what engines allows', () => {
    assert.equal(pkg.engines.node, `>=${major(pkg.config.oldestNode)}`);
    assert.match(readme, new RegExp(`Requires Node\\.js ${major(pkg.config.oldestNode)} or newer\\. The test suite runs on Node\\.js ${major(pkg.config.oldestNode)} and on Node\\.js ${major(pkg.config.ltsNode)}, the LTS the image ships\\.`));
    const ci = readFileSync(fromRoot('.ci/run'), 'utf8');
    assert.match(ci, /config\.oldestNode/, 'CI installs the oldest supported Node.js it tests on');
    assert.match(ci, /npm run test:lts/, 'and runs the suite on the LTS too');
  });

  it('LICENSE is the Apache License 2.0 the package declares; CHANGELOG follows Keep a Changelog', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    const license = readFileSync(fromRoot('LICENSE'), 'utf8');
    assert.match(license, /^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    assert.match(license, /END OF TERMS AND CONDITIONS/);
    const changelog = readFileSync(fromRoot('CHANGELOG.md'), 'utf8');
    assert.match(changelog, /^# Changelog\n/);
    assert.match(changelog, /\[Keep a Changelog\]\(https:\/\/keepachangelog\.com\//);
    assert.match(changelog, /^## \[Unreleased\]$/m);
    assert.match(changelog, new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'), 'the current version has its section');
    for (const heading of changelog.matchAll(/^### (.*)$/gm)) assert.ok(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'].includes(heading[1]!), heading[1]);
  });
});
