import assert from 'node:assert/strict';
import { type EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ClusterState } from '../src/cluster/state.js';
import { serviceLogger } from '../src/server/logger.js';
import { exampleState, gateway, policy, reviewOf, startWebhook } from './helpers/webhook.js';

// What each log level shows of the admissions (README, Logs): a denial and a would-be denial at info, allowed and
// skipped reviews at debug, a failed evaluation at error (its stack at debug), a bad request at info.

const okGateway = gateway('egress-gw-2', {
  nodeSelector: { 'dedicated/egress': '' },
  sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } },
});
const typo = policy('typo', { egressGatewayName: 'my-egresgw', destinationCIDRs: ['10.0.0.0/8'], selectors: [{ podSelector: { matchLabels: { app: 'a' } } }] });
const defaulted = gateway('defaults', { sourceIP: { virtualIPAddress: { ip: '172.18.18.250' } } });
const fine = policy('fine', { egressGatewayName: 'egress-gw', destinationCIDRs: ['10.0.0.0/8'], selectors: [{ podSelector: { matchLabels: { app: 'a' } } }] });

/** A state whose gateway lookup fails: the review of a policy ends in "rule evaluation failed". */
function failingState(base: ClusterState): ClusterState {
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'gateway') return () => { throw new Error('cache corrupted'); };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Sends the same reviews to a webhook logging at `level`; returns the lines it wrote, time and pid left out. */
async function linesAt(level: string, opts: { enforcement?: 'warn'; failing?: boolean } = {}): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) {
        const { time: _t, pid: _p, hostname: _h, durationMs, ...rest } = JSON.parse(l);
        if (rest.msg === 'admission') assert.match(String(durationMs), /^\d+(\.\d{1,3})?$/);
        lines.push(rest);
      }
      done();
    },
  });
  const state = await exampleState();
  const webhook = await startWebhook({ logger: pino({ level }, sink), ...(opts.enforcement ? { enforcement: opts.enforcement } : {}), state: opts.failing ? failingState(state) : state });
  try {
    const uids: string[] = [];
    for (const [path, review] of [
      ['/validate', reviewOf(okGateway)],
      ['/validate', reviewOf(typo)],
      ['/mutate', reviewOf(defaulted)],
      ['/validate', reviewOf(okGateway, { subResource: 'status', operation: 'UPDATE', oldObject: okGateway })],
    ] as const) {
      uids.push(review.request.uid);
      await webhook.review(path, review);
    }
    const bad = await webhook.post('/validate', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
    assert.equal(bad.status, 400);
    // Lines carry the review's uid; tests compare them without it.
    return lines.map((l) => (typeof l['uid'] === 'string' && uids.includes(l['uid']) ? { ...l, uid: `review ${uids.indexOf(l['uid']) + 1}` } : l));
  } finally {
    await webhook.close();
  }
}

const allowedLine = { level: 20, endpoint: 'validate', uid: 'review 1', kind: 'EgressGateway', name: 'egress-gw-2', operation: 'CREATE', verdict: 'allowed', dryRun: false, msg: 'admission' };
const deniedLine = {
  level: 30,
  endpoint: 'validate',
  uid: 'review 2',
  kind: 'EgressGatewayPolicy',
  name: 'typo',
  operation: 'CREATE',
  verdict: 'denied',
  rules: ['policy-gateway-ref'],
  dryRun: false,
  msg: 'admission',
};
const patchedLine = {
  level: 20,
  endpoint: 'mutate',
  uid: 'review 3',
  kind: 'EgressGateway',
  name: 'defaults',
  operation: 'CREATE',
  verdict: 'allowed',
  patched: ['/spec/sourceIP/mode', '/spec/nodeSelector'],
  dryRun: false,
  msg: 'admission',
};
const skippedLine = {
  level: 20,
  endpoint: 'validate',
  uid: 'review 4',
  kind: 'EgressGateway',
  name: 'egress-gw-2',
  operation: 'UPDATE',
  verdict: 'skipped',
  skipped: 'subresource status',
  dryRun: false,
  msg: 'admission',
};
const badLine = { level: 30, endpoint: 'validate', reason: 'request is required', msg: 'bad admission review' };

describe('admission log lines per level', () => {
  it('info: one line per denial and per bad request; nothing for allowed or skipped reviews', async () => {
    const lines = await linesAt('info');
    assert.deepEqual(lines.filter((l) => l['msg'] === 'admission' || l['msg'] === 'bad admission review'), [deniedLine, badLine]);
  });

  it('debug: every review, allowed, patched and skipped ones at debug', async () => {
    const lines = await linesAt('debug');
    assert.deepEqual(lines.filter((l) => l['msg'] === 'admission' || l['msg'] === 'bad admission review'), [allowedLine, deniedLine, patchedLine, skippedLine, badLine]);
  });

  it('warn: no admission lines at all', async () => {
    const lines = await linesAt('warn');
    assert.deepEqual(lines.filter((l) => l['msg'] === 'admission' || l['msg'] === 'bad admission review'), []);
  });

  it('warn mode at info: a review that would have been denied is logged, with wouldDeny', async () => {
    const lines = await linesAt('info', { enforcement: 'warn' });
    assert.deepEqual(lines.filter((l) => l['msg'] === 'admission'), [{ ...deniedLine, verdict: 'allowed', wouldDeny: true }]);
  });

  it('a failed evaluation: one line at error with its message, the stack only at debug', async () => {
    const atError = (await linesAt('error', { failing: true })).filter((l) => String(l['msg']).startsWith('rule evaluation failed'));
    assert.deepEqual(atError, [{ level: 50, endpoint: 'validate', uid: 'review 2', kind: 'EgressGatewayPolicy', error: 'cache corrupted', msg: 'rule evaluation failed' }]);
    const atDebug = (await linesAt('debug', { failing: true })).filter((l) => String(l['msg']).startsWith('rule evaluation failed'));
    assert.deepEqual(atDebug.map((l) => [l['level'], l['msg']]), [[50, 'rule evaluation failed'], [20, 'rule evaluation failed (stack)']]);
    assert.match(String((atDebug[1]!['err'] as { stack: string }).stack), /cache corrupted/);
  });
});

describe('the service logger', () => {
  it('writes each line before the call returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egw-log-'));
    const file = join(dir, 'stdout');
    const log = serviceLogger('info', file);
    try {
      log.info({ endpoint: 'validate', verdict: 'denied' }, 'admission');
      // Read before this test gives the event loop a turn: an asynchronous destination would not even have
      // opened the file yet.
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        lines.map(({ time: _t, ...rest }) => rest),
        [{ level: 30, service: 'egress-gateway-webhook', endpoint: 'validate', verdict: 'denied', msg: 'admission' }],
      );
    } finally {
      const destination = (log as unknown as Record<symbol, NodeJS.WritableStream & EventEmitter>)[pino.symbols.streamSym]!;
      destination.end();
      await once(destination, 'close');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
