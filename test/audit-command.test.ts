import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromRoot } from './helpers/paths.js';

// `egress-gateway-webhook audit` on a cluster dump, as a cron job or CI step runs it: the built CLI as a
// subprocess. (Against a live API server it runs in the audit end-to-end test.)

const cli = fromRoot('dist/src/cli/main.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'audit', ...args], { cwd: fromRoot(''), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dump = ['--cluster-state', 'examples/cluster-state.yaml', '--cluster-state', 'examples/drifted-objects.yaml'];

describe('audit command', () => {
  it('a healthy cluster: every object checked, nothing found, exit 0', () => {
    const r = run(['--cluster-state', 'examples/cluster-state.yaml']);
    assert.deepEqual([r.code, r.stderr, r.stdout], [0, '', '4 objects audited: 0 with deny-level findings, 0 with warnings only\n']);
  });

  it('objects that went wrong after admission: a table with the rule ids and admission\'s own messages, exit 1 on a deny-level finding', () => {
    const r = run(dump);
    assert.equal(r.stderr, '');
    assert.equal(
      r.stdout,
      [
        'KIND                 NAME        SEVERITY  RULE                      MESSAGE',
        "EgressGateway        drained-gw  warn      gateway-no-matching-node  no node matches spec.nodeSelector dedicated/egress-old=; traffic of this gateway's policies is dropped until one does",
        'EgressGateway        lonely-gw   warn      gateway-single-node       only node egress-a is eligible: no standby, so no failover if it fails; prepare a second node',
        'EgressGatewayPolicy  orphan      deny      policy-gateway-ref        spec.egressGatewayName: Not found: "deleted-gw": no EgressGateway has this name; create it first (kubectl get egressgateways lists them)',
        '7 objects audited: 1 with deny-level findings, 2 with warnings only',
        '',
      ].join('\n'),
    );
    assert.equal(r.code, 1);
  });

  it('-o json: the findings with field, and each gateway\'s eligible nodes', () => {
    const r = run([...dump, '-o', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.summary, { objects: 7, withDeny: 1, withWarningsOnly: 2 });
    const byName = Object.fromEntries(out.objects.map((o: any) => [o.name, o]));
    assert.deepEqual(byName['orphan'].findings, [
      {
        rule: 'policy-gateway-ref',
        severity: 'deny',
        message: 'spec.egressGatewayName: Not found: "deleted-gw": no EgressGateway has this name; create it first (kubectl get egressgateways lists them)',
        field: 'spec.egressGatewayName',
      },
    ]);
    assert.deepEqual(byName['lonely-gw'].gateway, { eligibleNodes: 1, hasStandby: false });
    assert.deepEqual(byName['egress-gw'].gateway, { eligibleNodes: 2, hasStandby: true });
    assert.deepEqual(byName['egress-gw'].findings, []);
  });

  it('warnings alone exit 0', () => {
    const r = run(['--cluster-state', 'examples/cluster-state.yaml', '--cluster-state', 'examples/drifted-objects.yaml', '--kinds', 'EgressGateway']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\n5 objects audited: 0 with deny-level findings, 2 with warnings only\n$/);
  });

  it('usage errors exit 2 with the reason', () => {
    const none = run([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^error: say what to audit: --live, --kubeconfig FILE or --cluster-state FILE\n/);
    const both = run(['--live', '--cluster-state', 'x.yaml']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^error: --cluster-state reads files; it does not go with --live, --kubeconfig or --context\n/);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'egw-audit-')), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const context = run(['--kubeconfig', kubeconfig, '--context', 'nope']);
    assert.deepEqual([context.code, context.stderr], [2, 'error: --context: no context "nope" in the kubeconfig (x)\n']);
    const missing = run(['--cluster-state', 'no-such-file.yaml']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: cluster state no-such-file.yaml: ENOENT/);
  });
});
