import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { httpsRequest } from './helpers/https-client.js';
import { fromRoot } from './helpers/paths.js';
import { cli, startServe } from './helpers/serve-process.js';
import { gateway, policy, reviewOf } from './helpers/webhook.js';
import { fetchText } from './helpers/http-get.js';

// `serve --enforcement warn`: what would be denied is allowed, each field error coming back as a warning, and
// counted by kind and rule. The same reviews are denied without the flag.

const typo = JSON.parse(readFileSync(fromRoot('examples/review-policy-typo.json'), 'utf8'));
const typoErrors = [
  'spec.egressGatewayName: Not found: "my-egresgw": no EgressGateway has this name; did you mean "my-egressgw"?',
  'spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?',
];

async function withServe(args: string[], fn: (post: (body: unknown) => Promise<any>, metrics: () => Promise<string>, logs: any[]) => Promise<void>) {
  const certDir = join(mkdtempSync(join(tmpdir(), 'egw-warn-')), 'certs');
  const run = await startServe(['--cert-dir', certDir, ...args]);
  try {
    const ca = readFileSync(join(certDir, 'ca.crt'), 'utf8');
    const post = async (body: unknown) => {
      const r = await httpsRequest(`${run.url}/validate`, { ca, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200, r.text);
      return r.json.response;
    };
    await fn(post, () => fetchText(run.metricsUrl), run.logs);
  } finally {
    run.child.kill('SIGKILL');
  }
}

describe('enforcement warn', () => {
  it('allows what would be denied, with one "would be denied" warning per field error before the ordinary warnings', async () => {
    await withServe(['--enforcement', 'warn'], async (post, metrics, logs) => {
      const r = await post(typo);
      assert.deepEqual(r, { uid: typo.request.uid, allowed: true, warnings: typoErrors.map((e) => `would be denied: ${e}`) });

      // A denial and a warning in one review: the denial first, the warning kept.
      const both = await post(reviewOf(policy('both', { egressGatewayName: 'egress-gw', destinationCIDRs: ['10.0.0.1/8'], selectors: [] })));
      assert.deepEqual(both.warnings, [
        'would be denied: spec.destinationCIDRs[0]: Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?',
        'spec.selectors is empty, so this policy routes no pod through the gateway; add a podSelector',
      ]);
      assert.equal(both.allowed, true);

      // A valid object is untouched by the mode.
      const ok = await post(reviewOf(gateway('ok', { nodeSelector: { 'dedicated/egress': '' }, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } } })));
      assert.equal(ok.allowed, true);
      assert.ok(!(ok.warnings ?? []).some((w: string) => w.startsWith('would be denied')));

      const text = (await metrics()).split('\n');
      const has = (line: string) => assert.ok(text.includes(line), `missing: ${line}`);
      // Reviews, not field errors: the typo review and the second one each count once for policy-cidr.
      has('egress_gateway_webhook_would_deny_total{kind="EgressGatewayPolicy",rule="cidr-invalid"} 2');
      has('egress_gateway_webhook_would_deny_total{kind="EgressGatewayPolicy",rule="policy-gateway-ref"} 1');
      has('egress_gateway_webhook_admission_requests_total{endpoint="validate",kind="EgressGatewayPolicy",operation="CREATE",verdict="allowed"} 2');
      assert.ok(!text.some((l) => l.startsWith('egress_gateway_webhook_denials_total{')), 'nothing was denied');
      const line = logs.find((l) => l.msg === 'admission' && l.uid === typo.request.uid);
      assert.deepEqual([line.verdict, line.wouldDeny, line.rules], ['allowed', true, ['policy-gateway-ref', 'cidr-invalid']]);
      assert.ok(logs.some((l) => l.msg === 'enforcement warn: denials are answered as allowed, with warnings' && l.level === 40));
    });
  });

  it('a refused DELETE becomes a warning too; a would-be denial is cut at the API server limit of 256 characters', async () => {
    await withServe(['--enforcement', 'warn'], async (post) => {
      const inUse = await post(reviewOf(null, { operation: 'DELETE', oldObject: gateway('egress-gw', {}) }));
      assert.equal(inUse.allowed, true);
      assert.equal(inUse.warnings.length, 1);
      assert.match(inUse.warnings[0], /^would be denied: metadata\.name: Forbidden: still used by EgressGatewayPolicy /);
      // The API server's own wording of a label key error is long; values are cut at 64 characters before that.
      const long = await post(reviewOf(gateway('g', { nodeSelector: { '-bad': '' }, sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } } })));
      assert.equal(long.allowed, true);
      assert.equal(long.warnings[0].length, 256);
      assert.ok(long.warnings[0].startsWith('would be denied: spec.nodeSelector: Invalid value: "-bad": name part must consist of'));
      assert.ok(long.warnings[0].endsWith('...'));
    });
  });

  it('would-be denials take at most half of the warnings cap, the ordinary warnings the rest', async () => {
    await withServe(['--enforcement', 'warn'], async (post) => {
      const destinationCIDRs = Array.from({ length: 30 }, (_, i) => `10.0.${i}.1/24`);
      const many = await post(reviewOf(policy('many', { egressGatewayName: 'egress-gw', destinationCIDRs, selectors: [] })));
      assert.equal(many.allowed, true);
      assert.deepEqual(many.warnings, [
        ...[0, 1, 2, 3].map((i) => `would be denied: spec.destinationCIDRs[${i}]: Invalid value: "10.0.${i}.1/24": host bits must be zero; did you mean "10.0.${i}.0/24"?`),
        '... and 26 more field errors would be denied',
        'spec.selectors is empty, so this policy routes no pod through the gateway; add a podSelector',
      ]);
    });
  });

  it('deny (the default) denies the same review, and counts no would-be denial', async () => {
    await withServe([], async (post, metrics) => {
      const r = await post(typo);
      assert.equal(r.allowed, false);
      assert.equal(r.status.message, `EgressGatewayPolicy "my-egressgw-policy" is invalid: [${typoErrors.join(', ')}]`);
      assert.equal(r.warnings, undefined);
      assert.ok(!(await metrics()).includes('egress_gateway_webhook_would_deny_total{'));
    });
  });

  it('--enforcement refuses other values', () => {
    const r = spawnSync(process.execPath, [cli, 'serve', '--enforcement', 'audit'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.split('\n')[0], 'error: --enforcement must be one of deny, warn, got "audit"');
  });
});
