import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromRoot } from './helpers/paths.js';

// The offline command as CI pipelines run it: the built CLI as a subprocess on fixture trees.

const cli = fromRoot('dist/src/cli/main.js');
const fixtures = 'test/fixtures/cli';

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cli, 'validate', ...args], { cwd: fromRoot(''), input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const modes = 'supported values: "PrimaryIPFromEgressGatewayNodeInterface", "VirtualIPAddress"';

describe('validate command', () => {
  it('a valid repository passes whatever the order of files, counting other kinds', () => {
    const r = run(['-f', `${fixtures}/valid-repo`]);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    assert.equal(r.stdout, '2 resources in 3 files: 0 invalid, 0 with warnings; 2 objects of other kinds ignored\n');
  });

  it('every error at the line of its field, with the resource and the message kubectl would print; exit 1', () => {
    const r = run(['-f', `${fixtures}/invalid`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        'test/fixtures/cli/invalid/policies.yaml:6: EgressGatewayPolicy "typo" is invalid: spec.egressGatewayName: Not found: "office-egres": no EgressGateway has this name; did you mean "office-egress"?',
        'test/fixtures/cli/invalid/policies.yaml:8: EgressGatewayPolicy "typo" is invalid: spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?',
        'test/fixtures/cli/invalid/policies.yaml:9: EgressGatewayPolicy "typo": Warning: spec.selectors is empty, so this policy routes no pod through the gateway; add a podSelector',
        `test/fixtures/cli/invalid/policies.yaml:22: EgressGateway "office-egress" is invalid: spec.sourceIP.mode: Unsupported value: "VirtualIP": ${modes}; did you mean "VirtualIPAddress"?`,
        '2 resources in 1 file: 2 invalid, 1 with warnings',
        '',
      ].join('\n'),
    );
  });

  it('applies the defaults first, as the API server does before validating', () => {
    const r = run(['-f', '-', '--example-cluster-state'], 'apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGatewayPolicy\nmetadata: {name: p}\nspec:\n  egressGatewayName: egress-gw\n  excludedCIDRs: [10.0.0.0/8]\n  selectors: [{podSelector: {matchLabels: {app: x}}}]\n');
    assert.deepEqual([r.code, r.stdout], [0, '1 resource in 1 file: 0 invalid, 0 with warnings\n']);
  });

  it('reads standard input, with node checks against a cluster dump', () => {
    const gateway = 'apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGateway\nmetadata: {name: gw}\nspec:\n  nodeSelector: {kubernetes.io/hostname: egress-a}\n  sourceIP: {mode: PrimaryIPFromEgressGatewayNodeInterface, primaryIPFromEgressGatewayNodeInterface: {interfaceName: eth1}}\n';
    const without = run(['-f', '-'], gateway);
    assert.deepEqual([without.code, without.stdout], [0, '1 resource in 1 file: 0 invalid, 0 with warnings\n'], 'no dump: no claims about nodes');
    const r = run(['-f', '-', '--cluster-state', 'examples/cluster-state.yaml'], gateway);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      '<stdin>:1: EgressGateway "gw": Warning: only node egress-a is eligible: no standby, so no failover if it fails; prepare a second node\n1 resource in 1 file: 0 invalid, 1 with warnings\n',
    );
    assert.equal(run(['-f', '-', '--cluster-state', 'examples/cluster-state.yaml', '--strict'], gateway).code, 1, '--strict fails on warnings');
  });

  it("checks CiliumEgressGatewayPolicy too, against a plain Cilium cluster's dump with --agents cilium", () => {
    const guide = 'test/fixtures/seeds/cilium-egress-gateway-guide.yaml';
    const args = ['-f', guide, '--cluster-state', 'examples/cilium-cluster-state.yaml', '--agents', 'cilium'];
    const r = run(args);
    const firstOfTwo = 'Warning: Cilium uses only gateway-node-1 (first by name of 2 nodes matching spec.egressGateway.nodeSelector): no failover';
    assert.equal(r.code, 1);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 2), [
      `${guide}:39: CiliumEgressGatewayPolicy "external-api-egress" is invalid: spec.egressGateway.egressIP: Forbidden: may not be set together with interface: Cilium ignores a policy whose gateway sets both; keep one of them`,
      `${guide}:5: CiliumEgressGatewayPolicy "external-api-egress": ${firstOfTwo}`,
    ]);
    assert.equal(lines.at(-2), '8 resources in 1 file: 1 invalid, 6 with warnings');
    // Deckhouse's agents are not in that dump: with the default preset no node is eligible.
    assert.match(run(args.slice(0, -2)).stdout, /no eligible node for spec\.egressGateway, traffic will be dropped: gateway-node-1 \(no Ready cilium agent\)/);
    // Without the kind, the same file is other kinds only.
    assert.deepEqual(run([...args, '--kinds', 'EgressGateway,EgressGatewayPolicy']).stdout, '0 resources in 1 file: 0 invalid, 0 with warnings; 8 objects of other kinds ignored\n');
    assert.match(run([...args, '--kinds', 'CiliumEgressGatewayPolicies']).stderr, /--kinds must be one of EgressGateway, EgressGatewayPolicy, CiliumEgressGatewayPolicy, got "CiliumEgressGatewayPolicies"/);
  });

  it('a resource with thousands of errors: the first 50 of a rule, then how many more', () => {
    const cidrs = Array.from({ length: 3000 }, (_, i) => `"10.0.${i % 250}.${1 + Math.floor(i / 250)}/24"`).join(', ');
    const r = run(['-f', '-'], `apiVersion: network.deckhouse.io/v1alpha1\nkind: EgressGatewayPolicy\nmetadata: {name: big}\nspec: {destinationCIDRs: [${cidrs}], selectors: [{podSelector: {matchLabels: {app: a}}}]}\n`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(r.code, 1);
    assert.equal(lines.filter((l) => l.includes('host bits must be zero')).length, 50);
    assert.ok(lines.includes('<stdin>:1: EgressGatewayPolicy "big" is invalid: ... and 2950 more errors not shown'), lines.slice(-4).join('\n'));
  });

  it('malformed YAML is reported with its position, no stack trace; exit 2', () => {
    const r = run(['-f', `${fixtures}/broken.yaml`, '-f', `${fixtures}/valid-repo`]);
    assert.equal(r.code, 2);
    assert.deepEqual([r.stderr, r.stdout.split('\n')[0]], ['', 'test/fixtures/cli/broken.yaml:5:1: error: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]']);
    assert.match(r.stdout, /^2 resources in 4 files: 0 invalid, 0 with warnings, 1 unreadable; 2 objects of other kinds ignored$/m);
  });

  it('an alias bomb and a recursive alias are unreadable files with a position, not a crash of the run; exit 2', () => {
    const r = run(['-f', `${fixtures}/alias-bomb.yaml`, '-f', `${fixtures}/recursive-alias.yaml`, '-f', `${fixtures}/valid-repo`]);
    assert.deepEqual([r.code, r.stderr], [2, '']);
    assert.equal(
      r.stdout,
      [
        'test/fixtures/cli/alias-bomb.yaml:1:1: error: not valid YAML: its aliases expand too far (more than 100 times: an alias bomb?); write the repeated values out',
        'test/fixtures/cli/recursive-alias.yaml:9:6: error: not valid YAML: alias *s is inside the node it refers to: a recursive alias has no value',
        '2 resources in 5 files: 0 invalid, 0 with warnings, 2 unreadable; 2 objects of other kinds ignored',
        '',
      ].join('\n'),
    );
  });

  it('a missing file is exit 2; no input is a short usage error, exit 2', () => {
    const missing = run(['-f', 'nope.yaml']);
    assert.deepEqual([missing.code, missing.stdout.split('\n')[0]], [2, 'nope.yaml: error: no such file or directory']);
    const usage = run([]);
    assert.deepEqual(
      [usage.code, usage.stderr],
      [2, 'error: give at least one -f FILE, DIR or - (standard input)\nRun "egress-gateway-webhook help validate" for usage.\n'],
    );
    const format = run(['-f', '-', '-o', 'yml'], '');
    assert.deepEqual([format.code, format.stderr.split('\n')[0]], [2, 'error: --output must be one of text, json, github, sarif, junit, got "yml"']);
  });

  it('--output json for machines', () => {
    const r = run(['-f', `${fixtures}/invalid`, '-o', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.summary, { resources: 2, invalid: 2, withWarnings: 1, unreadable: 0 });
    assert.deepEqual(out.resources[1], {
      file: 'test/fixtures/cli/invalid/policies.yaml',
      line: 14,
      kind: 'EgressGateway',
      name: 'office-egress',
      valid: false,
      errors: [
        {
          field: 'spec.sourceIP.mode',
          line: 22,
          message: `spec.sourceIP.mode: Unsupported value: "VirtualIP": ${modes}; did you mean "VirtualIPAddress"?`,
          rule: 'gateway-mode',
        },
      ],
      warnings: [],
    });
  });

  it('--output github prints workflow annotations', () => {
    const r = run(['-f', `${fixtures}/invalid`, '-f', `${fixtures}/broken.yaml`, '-o', 'github']);
    assert.equal(r.code, 2);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      '::error file=test/fixtures/cli/broken.yaml,line=5,col=1,title=not valid YAML::Flow sequence in block collection must be sufficiently indented and end with a ]',
      '::error file=test/fixtures/cli/invalid/policies.yaml,line=6,title=EgressGatewayPolicy typo::spec.egressGatewayName: Not found: "office-egres": no EgressGateway has this name; did you mean "office-egress"?',
      '::error file=test/fixtures/cli/invalid/policies.yaml,line=8,title=EgressGatewayPolicy typo::spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?',
    ]);
    assert.equal(lines[3], '::warning file=test/fixtures/cli/invalid/policies.yaml,line=9,title=EgressGatewayPolicy typo::spec.selectors is empty, so this policy routes no pod through the gateway; add a podSelector');
  });

  it('is the bin of the package, for npx', () => {
    const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8'));
    assert.equal(pkg.bin['egress-gateway-webhook'], 'dist/src/cli/main.js');
    assert.match(readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });
});
