import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { AuditResult } from '../src/server/audit.js';
import { EventWriter } from '../src/server/audit-events.js';

// Events as the API server receives them (a loopback server records the POSTs): on the object, reason = the
// rule id, a Warning when a finding appears and a Normal one when it clears, each finding once, at most the
// burst at a time.

describe('audit events', () => {
  const posted: { path: string; body: any }[] = [];
  let server: Server;
  let kubeConfig: KubeConfig;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posted.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as { port: number }).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });
  after(() => server.close());

  const gw = (findings: AuditResult['findings'], name = 'gw'): AuditResult => ({ kind: 'EgressGateway', name, uid: `uid-${name}`, findings });
  const single = { rule: 'gateway-single-node' as const, severity: 'warn' as const, message: 'only node a is eligible: no standby, so no failover if it fails; prepare a second node' };

  it('a finding once as a Warning on the object, its clearing as Normal; nothing while not the leader', async () => {
    posted.length = 0;
    let dropped = 0;
    const w = new EventWriter({ kubeConfig, logger: pino({ level: 'silent' }), instance: 'pod-1', onDropped: () => dropped++ });
    w.changed(gw([single]), undefined);
    await w.flushed();
    assert.equal(posted.length, 0, 'a replica that does not hold the Lease writes nothing');

    w.activate([gw([single])]);
    w.changed(gw([single]), gw([]));
    w.changed(gw([single]), gw([single]));
    await w.flushed();
    w.changed(gw([]), gw([single]));
    await w.flushed();
    assert.deepEqual(
      posted.map((p) => [p.path, p.body.type, p.body.reason, p.body.note]),
      [
        ['/apis/events.k8s.io/v1/namespaces/default/events', 'Warning', 'gateway-single-node', single.message],
        ['/apis/events.k8s.io/v1/namespaces/default/events', 'Normal', 'gateway-single-node', `resolved: ${single.message}`],
      ],
    );
    const e = posted[0]!.body;
    assert.deepEqual(e.regarding, { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'EgressGateway', name: 'gw', uid: 'uid-gw' });
    assert.deepEqual([e.reportingController, e.reportingInstance, e.action], ['egress-gateway-webhook', 'pod-1', 'Audit']);
    assert.match(e.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.match(e.metadata.name, /^gw\.[0-9a-f]+$/);
    assert.equal(dropped, 0);
  });

  it('rate-limited: beyond the burst events are dropped and counted, not queued', async () => {
    posted.length = 0;
    let dropped = 0;
    const w = new EventWriter({ kubeConfig, logger: pino({ level: 'silent' }), instance: 'pod-1', burst: 2, perSecond: 0.001, onDropped: () => dropped++ });
    w.activate([]);
    for (const name of ['a', 'b', 'c', 'd']) w.changed(gw([single], name), undefined);
    await w.flushed();
    assert.deepEqual(posted.map((p) => p.body.regarding.name), ['a', 'b']);
    assert.equal(dropped, 2);
  });
});
