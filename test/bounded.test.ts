import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { pino } from 'pino';
import { jsonNestingExceeds } from '../src/admission/envelope.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { cidrWarnings } from '../src/resources/cidr-warnings.js';
import { type CIDRRelation, checkCIDRList, type ListedCIDR, redundantEntries } from '../src/rules/cidrs.js';
import { Findings } from '../src/rules/findings.js';
import { cidrContains, cidrText } from '../src/rules/ip.js';
import { FieldPath } from '../src/rules/path.js';
import { buildApp, type ServerLimits, type WebhookApp } from '../src/server/app.js';
import { WebhookMetrics } from '../src/server/metrics.js';
import { httpsRequest } from './helpers/https-client.js';
import { ciliumPolicy, exampleState, policy, reviewOf, startWebhook, type TestWebhook, testCertificates } from './helpers/webhook.js';

// Issue 17: bounded cost and bounded answers for any input the body limit admits. Times are not asserted here
// (they live in `npm run bench:worst`); what a user sees is: the caps, the status codes, the findings still
// found on large inputs, flat metric series, and connections that cannot pile up.

const spec = (more: Record<string, unknown> = {}) => ({
  egressGatewayName: 'egress-gw',
  destinationCIDRs: ['203.0.113.0/24'],
  selectors: [{ podSelector: { matchLabels: { app: 'backend' } } }],
  ...more,
});
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);

describe('CIDR checks by sort and sweep give what the pairwise definitions give', () => {
  // The definitions as they read, pairwise: the oracle for the sweep.
  function pairwiseRedundant(list: readonly ListedCIDR[]): CIDRRelation[] {
    const out: CIDRRelation[] = [];
    list.forEach((entry, i) => {
      const dup = list.slice(0, i).find((o) => cidrText(o.cidr) === cidrText(entry.cidr));
      if (dup) return void out.push({ kind: 'duplicate', entry, other: dup });
      const outer = list.find((o) => cidrText(o.cidr) !== cidrText(entry.cidr) && cidrContains(o.cidr, entry.cidr));
      if (outer) out.push({ kind: 'nested', entry, other: outer });
    });
    return out;
  }
  function pairwiseExcluded(destinations: readonly ListedCIDR[], excluded: readonly ListedCIDR[]): string[] {
    const out: string[] = [];
    for (const e of excluded) {
      const covered = destinations.find((d) => cidrContains(e.cidr, d.cidr));
      if (covered) out.push(`covers ${e.index} ${covered.index}`);
      else if (!destinations.some((d) => cidrContains(d.cidr, e.cidr))) out.push(`outside ${e.index}`);
    }
    return out;
  }
  // A small universe, so that duplicates, nesting and both families are frequent.
  const cidr = fc.oneof(
    fc.tuple(fc.constantFrom(0, 10, 11), fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 8, 16, 24, 30, 31, 32)).map(([a, b, p]) => `${a}.${b}.0.0/${p}`),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 16, 32, 48, 64, 128)).map(([b, p]) => `2001:db8:${b}::/${p}`),
  );
  const valid = (texts: string[]) => checkCIDRList(FieldPath.root('x'), texts).valid;

  it('duplicates and nested entries, same entries named, same order', () => {
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 30 }), (texts) => {
        const list = valid(texts);
        const show = (rs: CIDRRelation[]) => rs.map((r) => `${r.kind} ${r.entry.index} ${r.other.index}`);
        assert.deepEqual(show(redundantEntries(list)), show(pairwiseRedundant(list)));
      }),
      { numRuns: 3000, seed },
    );
  });

  it('excluded CIDRs that cover a destination or lie outside all of them', () => {
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 20 }), fc.array(cidr, { maxLength: 20 }), (d, e) => {
        const destinations = valid(d);
        const excluded = valid(e);
        const f = new Findings();
        cidrWarnings(destinations, excluded, f);
        const got = f.warnings
          .filter((w) => w.rule === 'excluded-covers-destination' || w.rule === 'excluded-outside')
          .map((w) => {
            const at = Number(/excludedCIDRs\[(\d+)\]/.exec(w.message)![1]);
            if (w.rule === 'excluded-outside') return `outside ${at}`;
            const text = /destination (\S+),/.exec(w.message)![1];
            return `covers ${at} ${destinations.find((x) => x.text === text)!.index}`;
          });
        // Findings keeps 10 of a rule; the pairwise answer, cut the same way, per rule.
        const want = pairwiseExcluded(destinations, excluded);
        const keep = (xs: string[], p: string) => xs.filter((x) => x.startsWith(p)).slice(0, 10);
        assert.deepEqual([keep(got, 'covers'), keep(got, 'outside')], [keep(want, 'covers'), keep(want, 'outside')]);
      }),
      { numRuns: 3000, seed },
    );
  });
});

describe('bounded answers over HTTPS', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook();
  });
  after(() => wh.close());

  it('at most 50 field errors, then one cause and one message part saying how many more', async () => {
    const bad = Array.from({ length: 200 }, (_, i) => `10.0.0.${i + 1}/8`);
    const res = await wh.review('/validate', reviewOf(policy('p', spec({ destinationCIDRs: bad }))));
    assert.equal(res.allowed, false);
    const causes = res.status.details.causes;
    assert.equal(causes.length, 51);
    assert.deepEqual(causes[0], {
      reason: 'FieldValueInvalid',
      field: 'spec.destinationCIDRs[0]',
      message: 'Invalid value: "10.0.0.1/8": host bits must be zero; did you mean "10.0.0.0/8"?',
    });
    assert.deepEqual(causes[50], { reason: 'FieldValueInvalid', field: '...', message: 'and 150 more errors not shown' });
    assert.ok(res.status.message.endsWith(', ... and 150 more errors not shown]'), res.status.message.slice(-80));
    assert.equal(res.status.message.split('Invalid value').length - 1, 50);
  });

  it('every error of a huge list is counted, and the first ones are those of the first entries', async () => {
    const bad = Array.from({ length: 100_000 }, (_, i) => `bad-${i}`);
    const res = await wh.review('/validate', reviewOf(policy('p', spec({ destinationCIDRs: bad }))));
    const causes = res.status.details.causes;
    assert.equal(causes[49].field, 'spec.destinationCIDRs[49]');
    assert.equal(causes[50].message, 'and 99950 more errors not shown');
  });

  it('values are echoed cut at 64 characters, field paths at 256, and the answer stays under 64 KiB', async () => {
    // Label keys and values of 300 control characters: every echo, escaped, would be six bytes a character.
    const key = (i: number) => `${i}${'\u0001'.repeat(300)}`;
    const matchLabels = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [key(i), '\u0001'.repeat(300)]));
    const res = await wh.post('/validate', reviewOf(policy('p'.repeat(300_000), spec({ selectors: [{ podSelector: { matchLabels } }] }))));
    assert.equal(res.status, 200);
    assert.ok(Buffer.byteLength(res.text) < 64 * 1024, `answer of ${Buffer.byteLength(res.text)} bytes`);
    const causes = res.json.response.status.details.causes;
    assert.ok(causes.length > 2 && causes.length <= 51);
    // The name, too long itself, is echoed cut at 253 characters.
    assert.ok(res.json.response.status.message.startsWith(`EgressGatewayPolicy "${'p'.repeat(250)}..." is invalid: [metadata.name: Too long`));
    assert.equal(res.json.response.status.details.name.length, 253);
    const [, first, , third] = causes;
    assert.equal(third.field.length, 256);
    assert.ok(third.field.endsWith('...'));
    assert.ok(first.message.startsWith(`Invalid value: ${JSON.stringify(`0${'\u0001'.repeat(60)}...`)}`), first.message.slice(0, 100));
    assert.match(causes.at(-1).message, /^and \d+ more errors not shown$/);
  });

  it('a 100 KB label key is reported with its path and value cut', async () => {
    const res = await wh.review('/validate', reviewOf(policy('p', spec({ selectors: [{ podSelector: { matchLabels: { [`x/${'k'.repeat(100_000)}`]: 'v' } } }] }))));
    const cause = res.status.details.causes[0];
    assert.equal(cause.field, 'spec.selectors[0].podSelector.matchLabels');
    assert.equal(cause.message, `Invalid value: "x/${'k'.repeat(59)}...": name part must be no more than 63 characters`);
  });

  it('findings are still found at the end of a large list', async () => {
    const destinations = Array.from({ length: 20_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1/32`);
    destinations.push('10.3.4.0/24', '2001:db8::/32', '2001:db8::1/128');
    const res = await wh.review('/validate', reviewOf(policy('p', spec({ destinationCIDRs: destinations, excludedCIDRs: ['192.168.0.0/16', '10.0.0.1/32'] }))));
    // Denied only for the two IPv6 entries, which the bundled Cilium 1.17 schema refuses; the warnings stand.
    assert.deepEqual(
      res.status.details.causes.map((c: { field: string }) => c.field),
      ['spec.destinationCIDRs[20001]', 'spec.destinationCIDRs[20002]'],
    );
    assert.deepEqual(res.warnings, [
      'spec.excludedCIDRs[1] 10.0.0.1/32 covers all of destination 10.0.0.1/32, which then routes nothing',
      'spec.destinationCIDRs[772] 10.3.4.1/32 lies inside [20000] 10.3.4.0/24 and changes nothing; remove it',
      'spec.destinationCIDRs[20002] 2001:db8::1/128 lies inside [20001] 2001:db8::/32 and changes nothing; remove it',
      'spec.excludedCIDRs[0] 192.168.0.0/16 is outside every destination CIDR, so Cilium ignores it',
    ]);
  });

  it('warnings that mean dropped traffic come before duplicates, whatever the order found', async () => {
    const destinations = [...Array.from({ length: 12 }, () => '10.0.0.0/8'), '::/0'];
    const res = await wh.review('/validate', reviewOf(policy('p', spec({ egressGatewayName: 'egress-gw-vip', destinationCIDRs: destinations }))));
    assert.deepEqual(res.warnings.slice(0, 2), [
      'spec.destinationCIDRs[12] ::/0 is IPv6, but gateway egress-gw-vip has IPv4 virtual IP 172.18.18.250',
      'spec.destinationCIDRs[1] 10.0.0.0/8 duplicates [0]; remove one',
    ]);
    assert.equal(res.warnings.length, 10);
    assert.equal(res.warnings[9], '3 more warnings not shown');
  });

  it('a CiliumEgressGatewayPolicy with 64 gateways and 20,000 destinations of the other family: 10 warnings, all counted', async () => {
    const gateways = Array.from({ length: 64 }, (_, g) => ({ nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'egress-a' } }, egressIP: `172.18.18.${g + 100}` }));
    const destinations = Array.from({ length: 20_000 }, (_, i) => `2001:db8::${i.toString(16)}/128`);
    const res = await wh.review('/validate', reviewOf(ciliumPolicy('c', { destinationCIDRs: destinations, selectors: [{ podSelector: {} }], egressGateway: gateways[0], egressGateways: gateways })));
    assert.equal(res.allowed, true);
    assert.equal(res.warnings.length, 10);
    assert.match(res.warnings[9], /^\d+ more warnings not shown$/);
    assert.ok(Number(/^(\d+)/.exec(res.warnings[9])![1]) >= 64 * 20_000 - 9);
  });
});

describe('nesting depth of a body, read without parsing it', () => {
  /** The depth of the parsed value: the oracle. */
  const depthOf = (v: unknown): number =>
    Array.isArray(v) ? 1 + Math.max(0, ...v.map(depthOf)) : v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
  // Strings full of quotes, backslashes and brackets, which must not count.
  const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', '\\"') });
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(tricky, tie('v'), { maxKeys: 3 })),
  })).v;

  it('says "deeper than max" exactly when the parsed value is', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (v, max) => {
        const text = JSON.stringify(v);
        assert.equal(jsonNestingExceeds(text, max), depthOf(JSON.parse(text)) > max, text);
      }),
      { numRuns: 5000, seed },
    );
  });
});

describe('hostile envelopes get a 4xx with a clear message', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook();
  });
  after(() => wh.close());
  const body = (operation: string) => `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"X"},"operation":${operation}}}`;

  it('request.operation nested 10,000 arrays deep', async () => {
    const res = await wh.post('/validate', body(`${'['.repeat(10_000)}"CREATE"${']'.repeat(10_000)}`));
    assert.deepEqual([res.status, res.json], [400, { error: 'Bad Request', message: 'request body is nested deeper than 64 levels of arrays and objects' }]);
  });

  it('an operation of the wrong type, 62 levels deep, is named without being echoed whole', async () => {
    const res = await wh.post('/validate', body(`${'['.repeat(62)}"${'x'.repeat(100_000)}"${']'.repeat(62)}`));
    assert.equal(res.status, 400);
    assert.ok(res.json.message.startsWith('request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got [[[['), res.json.message);
    assert.ok(res.text.length < 300);
  });

  it('a uid longer than any the API server sends', async () => {
    const long = reviewOf(policy('p', spec()));
    long.request.uid = 'u'.repeat(300);
    const refused = await wh.post('/validate', long);
    assert.deepEqual([refused.status, refused.json.message], [400, 'request.uid is longer than 256 characters']);
  });

  it('huge numbers and odd but valid JSON are data, not faults', async () => {
    const odd = reviewOf(policy('p', spec({ destinationCIDRs: ['@N@'] })));
    const text = JSON.stringify(odd).replace('"@N@"', `1${'0'.repeat(100_000)}e99999`);
    const res = await wh.post('/validate', text);
    assert.equal(res.status, 200);
    assert.equal(res.json.response.allowed, false);
    assert.ok(res.text.length < 4096);
  });

  it('a wrong content type gets 415', async () => {
    const res = await wh.post('/validate', JSON.stringify(reviewOf(policy('p', spec()))), { 'content-type': 'text/plain' });
    assert.deepEqual([res.status, res.json.message], [415, 'Content-Type must be application/json']);
  });
});

/** Series of the admission metrics (one line per labelled sample), as a scraper sees them. */
async function series(metrics: WebhookMetrics): Promise<number> {
  return (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('egress_gateway_webhook_') && !l.includes('process_') && !l.includes('nodejs_')).length;
}

describe('metric labels come from closed sets', () => {
  let app: WebhookApp;
  let metrics: WebhookMetrics;
  before(async () => {
    metrics = new WebhookMetrics();
    app = await buildApp({ tls: await testCertificates(), logger: pino({ level: 'silent' }), state: await exampleState(), config: defaultRulesConfig, metrics });
    await app.ready();
  });
  after(() => app.close());
  const review = (i: number) => {
    const r = reviewOf({ apiVersion: `made.up/v${i}`, kind: `Kind${i}`, metadata: { name: `n${i}` } });
    r.request['operation'] = 'CREATE';
    return JSON.stringify(r);
  };
  const send = (i: number) =>
    Promise.all([
      app.inject({ method: 'POST', url: `/validate?q=${i}`, headers: { 'content-type': 'application/json' }, payload: review(i) }),
      app.inject({ method: 'POST', url: `/mutate?junk=${i}&x=${'y'.repeat(i % 50)}`, headers: { 'content-type': `text/x-${i}` }, payload: 'x' }),
      app.inject({ method: 'POST', url: `/validate/${i}?`, headers: { 'content-type': 'application/json' }, payload: '{' }),
    ]);

  it('thousands of made-up kinds, query strings and content types leave the series count unchanged', async () => {
    await send(0);
    const before = await series(metrics);
    for (let i = 1; i <= 2_000; i++) await send(i);
    assert.equal(await series(metrics), before);
    const text = await metrics.registry.metrics();
    assert.ok(!text.includes('Kind1"') && !text.includes('q='), 'no request-chosen label value');
    assert.match(text, /admission_requests_total\{endpoint="validate",kind="other",operation="CREATE",verdict="allowed"\} 2001/);
    assert.match(text, /bad_requests_total\{endpoint="\/mutate",code="415"\} 2001/);
  });
});

describe('log lines carry user strings cut short', () => {
  it('name, kind and uid of a review are at most 128 characters in the log', async () => {
    const lines: any[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    // debug: the skipped review of an unknown kind is logged at that level only.
    const app = await buildApp({ tls: await testCertificates(), logger: pino({ level: 'debug' }, sink), state: await exampleState(), config: defaultRulesConfig });
    const r = reviewOf(policy('n'.repeat(200_000), spec()));
    r.request.uid = 'u'.repeat(256);
    await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(r) });
    const other = reviewOf({ apiVersion: 'x/v1', kind: 'K'.repeat(100_000), metadata: { name: 'x' } });
    await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(other) });
    await app.close();
    const admissions = lines.filter((l) => l.msg === 'admission');
    assert.equal(admissions.length, 2);
    for (const l of admissions) {
      for (const field of ['uid', 'kind', 'name', 'skipped']) if (l[field] !== undefined) assert.ok(l[field].length <= 128, `${field}: ${l[field].length}`);
      assert.ok(JSON.stringify(l).length < 1024);
    }
  });
});

describe('connections cannot pile up', () => {
  /** The process's open-file limit: each loopback connection here costs two descriptors. */
  async function fileLimit(): Promise<number> {
    const { stdout } = await promisify(execFile)('sh', ['-c', 'ulimit -n']);
    return stdout.trim() === 'unlimited' ? 1_000_000 : Number(stdout.trim());
  }
  async function start(limits: Partial<ServerLimits>) {
    const tls = await testCertificates();
    const app = await buildApp({ tls, logger: pino({ level: 'silent' }), state: await exampleState(), config: defaultRulesConfig, limits });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { app, port: (app.server.address() as { port: number }).port, ca: tls.ca };
  }
  /** Opens n plain TCP connections that never send anything, in batches below the listen backlog. */
  async function open(port: number, n: number): Promise<{ sockets: Socket[]; closed: () => number }> {
    let closed = 0;
    const sockets: Socket[] = [];
    for (let i = 0; i < n; i += 200) {
      const batch = Array.from({ length: Math.min(200, n - i) }, () => {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.on('close', () => closed++);
        return s;
      });
      await Promise.all(batch.map((s) => new Promise((r) => (s.once('connect', r), s.once('close', r)))));
      sockets.push(...batch);
    }
    return { sockets, closed: () => closed };
  }
  async function until(what: string, cond: () => boolean, ms = 10_000) {
    for (let waited = 0; !cond(); waited += 50) {
      if (waited > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('/healthz answers while thousands of idle sockets that never send a TLS hello are held, and the handshake timeout closes them', async () => {
    const n = Math.min(2_000, Math.floor(((await fileLimit()) - 300) / 2));
    const { app, port, ca } = await start({ handshakeTimeoutMs: 5_000, maxConnections: n + 100 });
    try {
      const idle = await open(port, n);
      assert.equal(idle.closed(), 0, 'all held');
      const res = await httpsRequest(`https://localhost:${port}/healthz`, { ca, method: 'GET' });
      assert.deepEqual([res.status, res.json], [200, { status: 'ok' }]);
      await until(`${n} idle sockets closed`, () => idle.closed() === n, 60_000);
    } finally {
      await app.close();
    }
  });

  it('a connection that sends the start of a hello and then stalls is closed by the handshake timeout', { timeout: 15_000 }, async () => {
    const { app, port } = await start({ handshakeTimeoutMs: 1_000 });
    try {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      // A TLS record header announcing a handshake message that never comes.
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      const started = Date.now();
      await new Promise((r) => s.once('close', r));
      assert.ok(Date.now() - started >= 500, 'not closed before its time');
    } finally {
      await app.close();
    }
  });

  it('a connection that finishes the TLS handshake but sends no request is closed after the headers timeout', { timeout: 15_000 }, async () => {
    const { app, port, ca } = await start({ headersTimeoutMs: 1_000 });
    const { connect: tlsConnect } = await import('node:tls');
    try {
      const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
      s.on('error', () => undefined);
      await new Promise((r) => s.once('secureConnect', r));
      const closed = new Promise((r) => s.once('close', r));
      const started = Date.now();
      await closed;
      assert.ok(Date.now() - started >= 500, 'not closed before its time');
    } finally {
      await app.close();
    }
  });

  it('connections beyond --max-connections are closed at once', async () => {
    const { app, port } = await start({ handshakeTimeoutMs: 60_000, maxConnections: 50 });
    try {
      const idle = await open(port, 120);
      await until('70 refused', () => idle.closed() >= 70, 5_000);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(idle.closed(), 70);
      for (const s of idle.sockets) s.destroy();
    } finally {
      await app.close();
    }
  });

  it('TLS 1.2 offers only AEAD suites: openssl with a CBC suite is refused, with GCM it connects', async (t) => {
    const has = await promisify(execFile)('openssl', ['version']).then(
      () => true,
      () => false,
    );
    if (!has) return t.skip('openssl CLI not installed');
    const { app, port } = await start({});
    const client = (cipher: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', cipher, '-brief'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (out += d));
        p.stdin.end();
        p.on('exit', (code) => resolve({ code, out }));
      });
    try {
      for (const cbc of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384']) {
        const r = await client(cbc);
        assert.notEqual(r.code, 0, `${cbc} was accepted: ${r.out}`);
        assert.match(r.out, /handshake failure|no cipher|alert/i, r.out);
      }
      const ok = await client('ECDHE-ECDSA-AES128-GCM-SHA256');
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /Ciphersuite: ECDHE-ECDSA-AES128-GCM-SHA256/);
    } finally {
      await app.close();
    }
  });
});
