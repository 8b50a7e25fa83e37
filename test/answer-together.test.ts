import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { defaultRulesConfig } from '../src/resources/config.js';
import { buildApp } from '../src/server/app.js';
import type { WebhookMetrics } from '../src/server/metrics.js';
import { afterNextTurn, nextTurn, togetherPerTurn } from '../src/admission/turns.js';
import { exampleState, gateway, policy, reviewOf, testCertificates } from './helpers/webhook.js';

// The reviews that arrive in one turn of the event loop are decided one after another, then answered one after
// another (src/server/app.ts), before the work that waits for a turn (src/admission/turns.ts). Two requests
// pipelined on one connection arrive in one read, so in one turn. A broken batch must fail, not hang: timeouts.

describe('togetherPerTurn', () => {
  it('runs what was handed in during one turn once, at its end, in order; what comes later runs in a later call', async () => {
    const calls: string[][] = [];
    const add = togetherPerTurn<string>((items) => calls.push([...items]));
    add('a');
    add('b');
    assert.deepEqual(calls, []);
    await new Promise((resolve) => setImmediate(resolve));
    add('c');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, [['a', 'b'], ['c']]);
  });

  it('the reviews of a turn run before the work that waits for a turn, even work queued before them', async () => {
    const order: string[] = [];
    afterNextTurn(() => order.push('slice of a large review'));
    const add = togetherPerTurn<string>((items) => order.push(...items));
    add('review');
    await nextTurn();
    assert.deepEqual(order, ['review', 'slice of a large review']);
  });
});

const gatewayReview = reviewOf(gateway('gw', { nodeSelector: { role: 'egress' }, sourceIP: { mode: 'VirtualIPAddress', virtualIPAddress: { ip: '172.18.18.99' } } }));
const deniedPolicy = reviewOf(policy('p', { egressGatewayName: 'egress-gw', destinationCIDRs: ['10.0.0.1/8'] }));

/** Sends the bodies pipelined in one write on one TLS connection; resolves with the responses (status, JSON). */
async function pipelined(port: number, ca: string, bodies: unknown[]): Promise<Array<{ status: number; json: any }>> {
  const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  socket.write(
    bodies
      .map((b) => {
        const text = JSON.stringify(b);
        return `POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
      })
      .join(''),
  );
  let data = Buffer.alloc(0);
  const responses: Array<{ status: number; json: any }> = [];
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${responses.length} of ${bodies.length} responses`)));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      for (;;) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = data.subarray(0, end).toString();
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
        if (data.length < end + 4 + length) break;
        responses.push({ status: Number(head.split(' ')[1]), json: JSON.parse(data.subarray(end + 4, end + 4 + length).toString()) });
        data = data.subarray(end + 4 + length);
      }
      if (responses.length === bodies.length) {
        socket.destroy();
        resolve(responses);
      }
    });
  });
}

async function startApp(metrics: Partial<WebhookMetrics>, events: string[]) {
  const app = await buildApp({
    tls: await testCertificates(),
    logger: pino({ level: 'silent' }),
    state: await exampleState(),
    config: defaultRulesConfig,
    metrics: metrics as WebhookMetrics,
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    events.push(`answered ${(request.body as { request: { kind: { kind: string } } }).request.kind.kind}`);
    return payload;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as { port: number }).port };
}

describe('reviews of one turn', () => {
  it('two reviews pipelined on one connection: both decided, then both answered, each with its own answer', { timeout: 10_000 }, async () => {
    const events: string[] = [];
    const metrics = { admission: (_e: string, _o: string, _d: unknown, kind: string) => void events.push(`decided ${kind}`), badRequest: () => undefined };
    const { app, port } = await startApp(metrics, events);
    try {
      const [gw, pol] = await pipelined(port, (await testCertificates()).ca, [gatewayReview, deniedPolicy]);
      assert.deepEqual(events, ['decided EgressGateway', 'decided EgressGatewayPolicy', 'answered EgressGateway', 'answered EgressGatewayPolicy']);
      assert.equal(gw!.status, 200);
      assert.deepEqual([gw!.json.response.uid, gw!.json.response.allowed], [gatewayReview.request.uid, true]);
      assert.equal(pol!.status, 200);
      assert.deepEqual([pol!.json.response.uid, pol!.json.response.allowed], [deniedPolicy.request.uid, false]);
      assert.match(pol!.json.response.status.message, /spec\.destinationCIDRs\[0\]: Invalid value: "10\.0\.0\.1\/8"/);
    } finally {
      await app.close();
    }
  });

  it('a fault in one review of the turn: that one gets the 500 without a stack, the other its answer, the process lives', { timeout: 10_000 }, async () => {
    const events: string[] = [];
    const metrics = {
      admission: (_e: string, _o: string, _d: unknown, kind: string) => {
        if (kind === 'EgressGateway') throw new Error('metrics broke');
      },
      badRequest: () => undefined,
    };
    const { app, port } = await startApp(metrics, events);
    try {
      const [gw, pol] = await pipelined(port, (await testCertificates()).ca, [gatewayReview, deniedPolicy]);
      assert.deepEqual(gw, { status: 500, json: { error: 'Internal Server Error', message: 'unexpected error; see the webhook logs' } });
      assert.equal(pol!.status, 200);
      assert.equal(pol!.json.response.allowed, false);
    } finally {
      await app.close();
    }
  });
});
