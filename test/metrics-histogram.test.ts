import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../src/admission/admit.js';
import { Histogram, Registry } from 'prom-client';
import { WebhookMetrics } from '../src/server/metrics.js';

// The admission duration histogram is kept as plain counts and written by the registry: the lines must be the ones
// Prometheus histograms have (cumulative buckets, le first, +Inf, sum, count), one block per endpoint and kind.

const decision = (kind: string): Decision => ({ response: { uid: 'u', allowed: true }, verdict: 'allowed', kind, name: 'n', rules: [], deniedBy: new Map(), warnedBy: new Map() });
const name = 'egress_gateway_webhook_admission_duration_seconds';

describe('admission duration histogram', () => {
  it('counts each observation in its bucket, cumulatively, with the sum and count per label set', async () => {
    const metrics = new WebhookMetrics();
    for (const s of [0.0004, 0.0005, 0.003, 3]) metrics.admission('validate', 'CREATE', decision('EgressGateway'), 'EgressGateway', s);
    metrics.admission('mutate', 'CREATE', decision('EgressGateway'), 'EgressGateway', 0.02);
    const text = await metrics.registry.metrics();
    const lines = text.split('\n').filter((l) => l.startsWith(name));
    const labels = 'endpoint="validate",kind="EgressGateway"';
    assert.deepEqual(lines.slice(0, 15), [
      `${name}_bucket{le="0.0005",${labels}} 2`,
      `${name}_bucket{le="0.001",${labels}} 2`,
      `${name}_bucket{le="0.0025",${labels}} 2`,
      `${name}_bucket{le="0.005",${labels}} 3`,
      `${name}_bucket{le="0.01",${labels}} 3`,
      `${name}_bucket{le="0.025",${labels}} 3`,
      `${name}_bucket{le="0.05",${labels}} 3`,
      `${name}_bucket{le="0.1",${labels}} 3`,
      `${name}_bucket{le="0.25",${labels}} 3`,
      `${name}_bucket{le="0.5",${labels}} 3`,
      `${name}_bucket{le="1",${labels}} 3`,
      `${name}_bucket{le="2.5",${labels}} 3`,
      `${name}_bucket{le="+Inf",${labels}} 4`,
      `${name}_sum{${labels}} ${0.0004 + 0.0005 + 0.003 + 3}`,
      `${name}_count{${labels}} 4`,
    ]);
    assert.equal(lines.length, 30);
    assert.ok(lines.includes(`${name}_bucket{le="0.025",endpoint="mutate",kind="EgressGateway"} 1`));
    assert.ok(lines.includes(`${name}_bucket{le="0.01",endpoint="mutate",kind="EgressGateway"} 0`));
    assert.match(text, new RegExp(`^# HELP ${name} Time to decide an admission review, from the parsed body to the decision, its wait in the event loop included\\.\\n# TYPE ${name} histogram$`, 'm'));
  });

  it("writes the same lines as prom-client's own histogram given the same observations", async () => {
    const observations: [string, string, number][] = [
      ['validate', 'EgressGatewayPolicy', 0.00031],
      ['mutate', 'EgressGateway', 0.0021],
      ['validate', 'EgressGatewayPolicy', 0.7],
      ['validate', 'EgressGatewayPolicy', 12],
      ['mutate', 'EgressGateway', 0.1],
      ['validate', 'other', 0.0005],
    ];
    const ours = new WebhookMetrics();
    for (const [endpoint, kind, s] of observations) ours.admission(endpoint, 'CREATE', decision(kind), kind, s);
    const registry = new Registry();
    const theirs = new Histogram({
      name,
      help: 'Time to decide an admission review, from the parsed body to the decision, its wait in the event loop included.',
      labelNames: ['endpoint', 'kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    for (const [endpoint, kind, s] of observations) theirs.observe({ endpoint, kind }, s);
    const lines = (text: string) => text.split('\n').filter((l) => l.includes(name));
    assert.deepEqual(lines(await ours.registry.metrics()), lines(await registry.metrics()));
  });

  it('after a registry reset, a label set is absent until it is observed again (as prom-client does)', async () => {
    const metrics = new WebhookMetrics();
    metrics.admission('validate', 'CREATE', decision('EgressGateway'), 'EgressGateway', 0.003);
    metrics.registry.resetMetrics();
    assert.equal((await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(name)).length, 0);
    metrics.admission('validate', 'CREATE', decision('EgressGateway'), 'EgressGateway', 0.02);
    const text = await metrics.registry.metrics();
    assert.ok(text.includes(`${name}_count{endpoint="validate",kind="EgressGateway"} 1`));
    assert.ok(text.includes(`${name}_bucket{le="0.01",endpoint="validate",kind="EgressGateway"} 0`));
  });

  it('a duration that is not a finite number is not counted', async () => {
    const metrics = new WebhookMetrics();
    metrics.admission('validate', 'CREATE', decision('EgressGateway'), 'EgressGateway', 0.003);
    metrics.admission('validate', 'CREATE', decision('EgressGateway'), 'EgressGateway', Number.NaN);
    const text = await metrics.registry.metrics();
    assert.ok(text.includes(`${name}_count{endpoint="validate",kind="EgressGateway"} 1`));
    assert.ok(text.includes(`${name}_sum{endpoint="validate",kind="EgressGateway"} 0.003`));
  });
});
