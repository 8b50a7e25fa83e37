import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { certsFlagOptions, certsUsage } from '../src/cli/certs-command.js';
import { flagNames } from '../src/cli/flags.js';
import { serveFlagOptions, serveUsage } from '../src/cli/serve-options.js';
import { validateFlagOptions, validateUsage } from '../src/cli/validate-command.js';
import { fromRoot } from './helpers/paths.js';

// The command line as a user meets it: the built CLI as a subprocess, its exact output and exit code.

const cli = fromRoot('dist/src/cli/main.js');
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

function run(args: string[], input?: string, cwd = fromRoot('')) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'egw-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The 1-based line of the first line of `text` containing `needle` after line `from`. */
function lineOf(text: string, needle: string, from = 0): number {
  const i = text.split('\n').findIndex((l, n) => n >= from && l.includes(needle));
  assert.ok(i >= 0, `${needle} not in the text`);
  return i + 1;
}

const gatewayYaml = (name: string, extra = '') =>
  `apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGateway\nmetadata:\n  name: ${name}\nspec:\n  nodeSelector:\n    dedicated/egress: ""\n  sourceIP:\n    mode: PrimaryIPFromEgressGatewayNodeInterface\n    primaryIPFromEgressGatewayNodeInterface:\n      interfaceName: eth1\n${extra}`;

describe('cli: commands, help, versions', () => {
  it('--version and version print the package version', () => {
    assert.deepEqual(run(['--version']), { code: 0, stdout: `egress-gateway-webhook ${pkg.version}\n`, stderr: '' });
    assert.deepEqual(run(['version']).stdout, `egress-gateway-webhook ${pkg.version}\n`);
  });

  it('a mistyped command or flag: one short line with "did you mean", the way to help, exit 2', () => {
    assert.deepEqual(run(['valdate', '-f', 'x']), {
      code: 2,
      stdout: '',
      stderr: 'error: unknown command "valdate"; did you mean "validate"?\nRun "egress-gateway-webhook help" for usage.\n',
    });
    assert.deepEqual(run(['serve', '--prot', '8443']), {
      code: 2,
      stdout: '',
      stderr: 'error: unknown flag --prot; did you mean "--port"?\nRun "egress-gateway-webhook help serve" for usage.\n',
    });
    assert.deepEqual(run(['validate', '-f', 'x', '--stirct']).stderr, 'error: unknown flag --stirct; did you mean "--strict"?\nRun "egress-gateway-webhook help validate" for usage.\n');
    assert.deepEqual(run(['validate', 'manifests/']).stderr, 'error: unexpected argument "manifests/": every input is given with a flag; did you mean -f manifests/?\nRun "egress-gateway-webhook help validate" for usage.\n');
    assert.deepEqual(run(['validate', '-f', 'x', '-o', 'sarf']).stderr.split('\n')[0], 'error: --output must be one of text, json, github, sarif, junit, got "sarf"; did you mean "sarif"?');
    assert.deepEqual(run(['serve', '--port']).stderr.split('\n')[0], 'error: --port needs a value');
  });

  it('help <command> is the same text as <command> --help', () => {
    for (const [command, usage] of [['serve', serveUsage], ['validate', validateUsage], ['certs', certsUsage]] as const) {
      assert.deepEqual(run(['help', command]), { code: 0, stdout: usage, stderr: '' });
      assert.equal(run([command, '--help']).stdout, usage);
    }
    assert.match(run(['help']).stdout, /^Usage: egress-gateway-webhook <command> \[flags\]\n/);
    assert.equal(run(['help', 'help']).stdout, run(['help']).stdout);
    assert.deepEqual(run(['help', '--help']), { code: 0, stdout: run(['help']).stdout, stderr: '' });
    assert.equal(run(['help', 'servce']).stderr.split('\n')[0], 'error: unknown command "servce"; did you mean "serve"?');
  });

  it('every flag of every command is explained in its help', () => {
    for (const [options, usage] of [[serveFlagOptions, serveUsage], [validateFlagOptions, validateUsage], [certsFlagOptions, certsUsage]] as const) {
      for (const flag of flagNames(options)) {
        assert.match(usage, new RegExp(`(^|[ ,])${flag.replace(/[-]/g, '\\-')}[ ,=]`, 'm'), `${flag} is not in the help`);
      }
    }
    assert.match(validateUsage, /--strict {2,}warnings count as errors: exit 1 when any resource has a warning/);
  });

  it('the bin is executable after a build, so npx runs it', () => {
    assert.equal(pkg.bin['egress-gateway-webhook'], 'dist/src/cli/main.js');
    assert.match(readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.equal(statSync(cli).mode & 0o111, 0o111, 'the build sets the execute bits');
    const r = spawnSync(cli, ['--version'], { encoding: 'utf8' });
    assert.equal(r.stdout, `egress-gateway-webhook ${pkg.version}\n`);
  });

  it('as the kubectl plugin, its hints name what the user typed: kubectl egress', () => {
    const plugin = fromRoot('dist/src/cli/kubectl-egress.js');
    const r = spawnSync(process.execPath, [plugin, 'explian'], { encoding: 'utf8' });
    assert.deepEqual([r.status, r.stderr], [2, 'error: unknown command "explian"; did you mean "explain"?\nRun "kubectl egress help" for usage.\n']);
  });
});

describe('validate: inputs', () => {
  it('skips node_modules and .git when walking a directory', () => {
    const dir = tree({
      'gateway.yaml': gatewayYaml('gw'),
      'node_modules/pkg/bad.yaml': 'apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGateway\nmetadata: {name: BAD}\n',
      '.git/bad.json': '{',
    });
    assert.deepEqual(run(['validate', '-f', '.'], undefined, dir), { code: 0, stdout: '1 resource in 1 file: 0 invalid, 0 with warnings\n', stderr: '' });
  });

  it('no manifests found (an empty folder, only comments): exit 2, not a pass', () => {
    const empty = tree({ 'README.md': '# nothing here\n' });
    assert.deepEqual(run(['validate', '-f', empty]), { code: 2, stdout: '', stderr: `error: no manifests found in ${empty} (0 files read: .yaml, .yml, .json)\n` });
    const comments = tree({ 'a.yaml': '# only a comment\n---\n' });
    assert.deepEqual(run(['validate', '-f', comments]).code, 2);
  });
});

describe('validate: a cluster state that cannot be read', () => {
  it('is exit 2 (not "invalid"), naming the flag and the file', () => {
    assert.deepEqual(run(['validate', '-f', 'examples/manifests/', '--cluster-state', 'nope.yaml']), { code: 2, stdout: '', stderr: 'error: --cluster-state nope.yaml: no such file\n' });
    const broken = join(tree({ 'state.yaml': 'apiVersion: v1\nkind: Node\nmetadata:\n  name: [n1\n' }), 'state.yaml');
    const r = run(['validate', '-f', 'examples/manifests/', '--cluster-state', broken]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^error: --cluster-state ${broken.replace(/[.]/g, '\\.')}:\\d+: \\S`));
  });
});

describe('validate: what kubectl apply would refuse itself', () => {
  it('a mistyped kind or apiVersion of ours is an error with "did you mean"; other kinds of those groups are left alone', () => {
    const dir = tree({
      'a.yaml': [
        'apiVersion: network.deckhouse.io/v1alpha1\nkind: EgresGateway\nmetadata: {name: a}\n',
        'apiVersion: network.deckhouse.io/v1\nkind: EgressGatewayPolicy\nmetadata: {name: b}\n',
        'apiVersion: network.deckhose.io/v1alpha1\nkind: EgressGateway\nmetadata: {name: c}\n',
        'apiVersion: cilium.io/v2\nkind: CiliumEgressGatewayPolicys\nmetadata: {name: d}\n',
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: e}\n',
        'apiVersion: network.deckhouse.io/v1alpha1\nkind: MetalLoadBalancerClass\nmetadata: {name: f}\n',
      ].join('---\n'),
    });
    const r = run(['validate', '-f', join(dir, 'a.yaml')]);
    assert.equal(r.code, 1);
    const file = join(dir, 'a.yaml');
    assert.equal(
      r.stdout,
      [
        `${file}:2: EgresGateway "a" is invalid: kind: Invalid value: "EgresGateway": no matches for this kind in version "network.deckhouse.io/v1alpha1" (kubectl apply fails); did you mean "EgressGateway"?`,
        `${file}:5: EgressGatewayPolicy "b" is invalid: apiVersion: Invalid value: "network.deckhouse.io/v1": no matches for kind "EgressGatewayPolicy" in this version (kubectl apply fails); did you mean "network.deckhouse.io/v1alpha1"?`,
        `${file}:9: EgressGateway "c" is invalid: apiVersion: Invalid value: "network.deckhose.io/v1alpha1": no matches for kind "EgressGateway" in this version (kubectl apply fails); did you mean "network.deckhouse.io/v1alpha1"?`,
        `${file}:14: CiliumEgressGatewayPolicys "d" is invalid: kind: Invalid value: "CiliumEgressGatewayPolicys": no matches for this kind in version "cilium.io/v2" (kubectl apply fails); did you mean "CiliumEgressGatewayPolicy"?`,
        '4 resources in 1 file: 4 invalid, 0 with warnings; 2 objects of other kinds ignored',
        '',
      ].join('\n'),
    );
  });

  it('metadata.name is required and a DNS-1123 subdomain, as the API server says it', () => {
    const dir = tree({
      // Without a name, the finding points at metadata (line 15).
      'a.yaml': gatewayYaml('Office_Egress') + '---\n' + gatewayYaml('x').replace('  name: x\n', '  labels: {a: b}\n'),
    });
    const r = run(['validate', '-f', join(dir, 'a.yaml')]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        `${join(dir, 'a.yaml')}:4: EgressGateway "Office_Egress" is invalid: metadata.name: Invalid value: "Office_Egress": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        `${join(dir, 'a.yaml')}:15: EgressGateway "" is invalid: metadata.name: Required value: name is required`,
        '2 resources in 1 file: 2 invalid, 0 with warnings',
        '',
      ].join('\n'),
    );
  });

  it('the same kind and name twice across all inputs is an error naming both places', () => {
    const dir = tree({ 'a.yaml': gatewayYaml('gw'), 'sub/b.yaml': '# again\n' + gatewayYaml('gw') });
    const r = run(['validate', '-f', dir]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout.split('\n')[0],
      `${join(dir, 'sub/b.yaml')}:5: EgressGateway "gw" is invalid: metadata.name: Duplicate value: "gw": EgressGateway "gw" is also defined at ${join(dir, 'a.yaml')}:1; kubectl apply keeps only the last one`,
    );
  });

  it('reads YAML 1.1 scalars as kubectl does: an unquoted "on" label value is a boolean, and refused', () => {
    const text = gatewayYaml('gw').replace('dedicated/egress: ""', 'dedicated/egress: on');
    const r = run(['validate', '-f', '-'], text);
    assert.equal(r.code, 1);
    const line = lineOf(text, 'dedicated/egress: on');
    assert.match(r.stdout, new RegExp(`^<stdin>:${line}: EgressGateway "gw" is invalid: spec\\.nodeSelector\\[dedicated/egress\\]: Invalid value: `, 'm'));
    // Quoted, it is the string kubectl sends.
    assert.equal(run(['validate', '-f', '-'], text.replace('egress: on', 'egress: "on"')).code, 0);
  });
});

describe('validate: each finding at the line of its field', () => {
  it('inside a JSON List, each item and each field have their own line', () => {
    const policy = (name: string, cidrs: string[]) => ({
      apiVersion: 'network.deckhouse.io/v1alpha1',
      kind: 'EgressGatewayPolicy',
      metadata: { name },
      spec: { egressGatewayName: 'gw', destinationCIDRs: cidrs, selectors: [{ podSelector: { matchLabels: { app: 'x' } } }] },
    });
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [policy('one', ['10.0.0.0/8']), policy('two', ['10.0.0.0/8', '192.168.1.1/16'])] }, null, 2);
    const dir = tree({ 'list.json': text, 'gw.yaml': gatewayYaml('gw') });
    const r = run(['validate', '-f', dir, '-o', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    const two = out.resources.find((x: { name: string }) => x.name === 'two');
    assert.equal(two.line, lineOf(text, '"name": "two"') - 4, 'the item starts at its opening brace');
    assert.deepEqual(
      two.errors.map((e: { field: string; line: number }) => [e.field, e.line]),
      [['spec.destinationCIDRs[1]', lineOf(text, '"192.168.1.1/16"')]],
    );
  });
});

describe('validate: output for CI systems', () => {
  const invalid = 'test/fixtures/cli/invalid';
  const broken = 'test/fixtures/cli/broken.yaml';

  it('-o sarif: a SARIF 2.1.0 log that passes the schema and what GitHub code scanning requires', () => {
    const r = run(['validate', '-f', invalid, '-f', broken, '-o', 'sarif']);
    assert.equal(r.code, 2);
    const log = JSON.parse(r.stdout) as any;
    const schema = JSON.parse(readFileSync(fromRoot('node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
    // The schema is draft-04 with non-unicode patterns: its "id" is draft-06's "$id".
    delete schema.$schema;
    schema.$id = schema.id;
    delete schema.id;
    const validateSarif = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: false }).compile(schema);
    assert.ok(validateSarif({ ...log }), JSON.stringify(validateSarif.errors));

    assert.equal(log.version, '2.1.0');
    const [runLog] = log.runs;
    assert.deepEqual([runLog.tool.driver.name, runLog.tool.driver.version], ['egress-gateway-webhook', pkg.version]);
    const ruleIds = runLog.tool.driver.rules.map((rule: { id: string }) => rule.id);
    for (const result of runLog.results) {
      assert.ok(ruleIds.includes(result.ruleId), `${result.ruleId} is among the driver's rules`);
      assert.equal(runLog.tool.driver.rules[result.ruleIndex].id, result.ruleId);
      assert.ok(['error', 'warning'].includes(result.level));
      assert.ok(result.locations[0].physicalLocation.region.startLine >= 1);
    }
    const textLines = run(['validate', '-f', invalid]).stdout.trim().split('\n').slice(0, -1);
    assert.deepEqual(
      runLog.results.filter((x: { ruleId: string }) => x.ruleId !== 'yaml-syntax').map((x: any) => `${x.locations[0].physicalLocation.artifactLocation.uri}:${x.locations[0].physicalLocation.region.startLine}: ${x.level}`),
      textLines.map((l) => `${l.split(': ')[0]}: ${l.includes(': Warning: ') ? 'warning' : 'error'}`),
      'the same findings at the same lines as the text output',
    );
    assert.deepEqual(runLog.results[0], {
      ruleId: 'yaml-syntax',
      ruleIndex: 0,
      level: 'error',
      message: { text: 'not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]' },
      locations: [{ physicalLocation: { artifactLocation: { uri: broken }, region: { startLine: 5, startColumn: 1 } } }],
    });
  });

  it('-o junit: one suite per file, one case per resource, errors as failures and warnings as output', () => {
    const dir = tree({
      'p.yaml':
        'apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGatewayPolicy\nmetadata: {name: p}\nspec:\n  egressGatewayName: gw\n  destinationCIDRs: [10.0.0.0/8]\n  selectors: []\n',
      'gw.yaml': gatewayYaml('gw'),
    });
    const text = run(['validate', '-f', dir]).stdout.split('\n');
    const warning = text.find((l) => l.includes('Warning: '))!;
    const r = run(['validate', '-f', dir, '-o', 'junit']);
    assert.equal(r.code, 0);
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
    const gw = esc(join(dir, 'gw.yaml'));
    const p = esc(join(dir, 'p.yaml'));
    assert.equal(
      r.stdout,
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="egress-gateway-webhook validate" tests="2" failures="0" errors="0">',
        `  <testsuite name="${gw}" tests="1" failures="0" errors="0" skipped="0">`,
        `    <testcase classname="${gw}" name="EgressGateway gw" file="${gw}" line="1"/>`,
        '  </testsuite>',
        `  <testsuite name="${p}" tests="1" failures="0" errors="0" skipped="0">`,
        `    <testcase classname="${p}" name="EgressGatewayPolicy p" file="${p}" line="1">`,
        `      <system-out>${esc(warning.replace(' EgressGatewayPolicy "p": ', ' '))}</system-out>`,
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
    const strict = run(['validate', '-f', dir, '-o', 'junit', '--strict']);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /<testsuites name="egress-gateway-webhook validate" tests="2" failures="1" errors="0">/);
    assert.match(strict.stdout, /<failure message="[^"]*Warning: spec\.selectors is empty/);
  });
});
