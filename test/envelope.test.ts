import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gateway, reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';

const validGateway = gateway('gw', {
  nodeSelector: { 'dedicated/egress': '' },
  sourceIP: { mode: 'PrimaryIPFromEgressGatewayNodeInterface', primaryIPFromEgressGatewayNodeInterface: { interfaceName: 'eth1' } },
});

describe('AdmissionReview envelope over HTTPS', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook({ bodyLimit: 3 * 1024 * 1024 });
  });
  after(() => wh.close());

  it('answers v1 in v1 and echoes the uid', async () => {
    const review = reviewOf(validGateway);
    const res = await wh.post('/validate', review);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } });
  });

  it('answers v1beta1 in v1beta1', async () => {
    const review = reviewOf(validGateway, { apiVersion: 'admission.k8s.io/v1beta1' });
    const res = await wh.post('/validate', review);
    assert.equal(res.json.apiVersion, 'admission.k8s.io/v1beta1');
    assert.equal(res.json.response.uid, review.request.uid);
    const mutated = await wh.post('/mutate', review);
    assert.equal(mutated.json.apiVersion, 'admission.k8s.io/v1beta1');
  });

  const badRequests: [string, string | Buffer, Record<string, string>, number, string][] = [
    ['not JSON', '{"apiVersion": ', { 'content-type': 'application/json' }, 400, 'request body is not valid JSON'],
    // Larger bodies are parsed in a turn of the event loop of their own: the same answers.
    ['not JSON, of 300 KB', `{"apiVersion": "${'x'.repeat(300_000)}`, { 'content-type': 'application/json' }, 400, 'request body is not valid JSON'],
    ['an empty body', '', { 'content-type': 'application/json' }, 400, 'request body is empty; send an AdmissionReview as JSON'],
    ['another content type', 'kind=AdmissionReview', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'Content-Type must be application/json'],
    ['a JSON array', '[]', { 'content-type': 'application/json' }, 400, 'body must be a JSON object: an AdmissionReview'],
    ['another kind', '{"apiVersion":"v1","kind":"Pod"}', { 'content-type': 'application/json' }, 400, 'kind must be "AdmissionReview", got "Pod"'],
    [
      'an unknown review version',
      '{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview"}',
      { 'content-type': 'application/json' },
      400,
      'apiVersion must be "admission.k8s.io/v1" or "admission.k8s.io/v1beta1", got "admission.k8s.io/v2"',
    ],
    ['no request', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}', { 'content-type': 'application/json' }, 400, 'request is required'],
    [
      'no uid',
      JSON.stringify({ ...reviewOf(validGateway), request: { ...reviewOf(validGateway).request, uid: undefined } }),
      { 'content-type': 'application/json' },
      400,
      'request.uid is required',
    ],
    [
      'an unknown operation',
      JSON.stringify({ ...reviewOf(validGateway), request: { ...reviewOf(validGateway).request, operation: 'PATCH' } }),
      { 'content-type': 'application/json' },
      400,
      'request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"',
    ],
    [
      'CREATE without an object',
      JSON.stringify({ ...reviewOf(validGateway), request: { ...reviewOf(validGateway).request, object: 'gw' } }),
      { 'content-type': 'application/json' },
      400,
      'request.object must be an object for CREATE',
    ],
    ...(['', 5, false] as const).map((subResource): [string, string, Record<string, string>, number, string] => [
      `CREATE with a null object and subResource ${JSON.stringify(subResource)}`,
      JSON.stringify({ ...reviewOf(validGateway), request: { ...reviewOf(validGateway).request, object: null, subResource } }),
      { 'content-type': 'application/json' },
      400,
      'request.object must be an object for CREATE',
    ]),
    ['a body that is only a "__proto__" key', '{"__proto__":{"kind":"AdmissionReview"}}', { 'content-type': 'application/json' }, 400, 'kind must be "AdmissionReview", got null'],
  ];
  for (const [what, body, headers, code, message] of badRequests) {
    for (const path of ['/validate', '/mutate']) {
      it(`${path}: ${what} gets ${code} with a JSON error`, async () => {
        const res = await wh.post(path, body, headers);
        assert.equal(res.status, code, res.text);
        assert.match(res.headers['content-type'] as string, /^application\/json/);
        assert.ok(res.json.message.startsWith(message), res.json.message);
      });
    }
  }

  it('a body over the limit gets 413, and one just under it is answered', async () => {
    const review = reviewOf(validGateway);
    const padded = (size: number) => {
      const r = structuredClone(review) as any;
      r.request.object.metadata.annotations = { pad: '' };
      const overhead = JSON.stringify(r).length;
      r.request.object.metadata.annotations.pad = 'x'.repeat(size - overhead);
      return JSON.stringify(r);
    };
    const limit = 3 * 1024 * 1024;
    const under = padded(limit);
    assert.equal(Buffer.byteLength(under), limit);
    const ok = await wh.post('/validate', under);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.response.allowed, true);
    const over = await wh.post('/validate', padded(limit + 1));
    assert.equal(over.status, 413);
    assert.deepEqual(over.json, { error: 'Payload Too Large', message: `request body is larger than the limit of ${limit} bytes` });
  });

  it('a "__proto__" label key is an invalid label, not a prototype change', async () => {
    const body = JSON.stringify(reviewOf(validGateway)).replace('"nodeSelector":{', '"nodeSelector":{"__proto__":"x","constructor":"y",');
    const res = await wh.post('/validate', body);
    assert.equal(res.status, 200);
    assert.equal(res.json.response.allowed, false);
    assert.match(res.json.response.status.message, /^EgressGateway "gw" is invalid: spec\.nodeSelector: Invalid value: "__proto__": name part must consist of alphanumeric characters/);
    assert.equal(({} as any).x, undefined, 'Object.prototype untouched');
    const mutated = await wh.post('/mutate', JSON.stringify(reviewOf(gateway('gw', { sourceIP: { virtualIPAddress: { ip: '172.18.18.99' } } }))).replace('"sourceIP":{', '"__proto__":{"polluted":true},"sourceIP":{'));
    assert.equal(mutated.status, 200);
    assert.equal(({} as any).polluted, undefined, 'Object.prototype untouched');
  });

  it('allows kinds it does not know, untouched', async () => {
    const review = reviewOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: {} });
    review.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
    for (const path of ['/validate', '/mutate'] as const) {
      assert.deepEqual(await wh.review(path, review), { uid: review.request.uid, allowed: true });
    }
  });

  it('allows another version of a known kind untouched', async () => {
    const review = reviewOf(gateway('gw', { sourceIP: { mode: 'Bogus' } }));
    review.request.kind.version = 'v1alpha2';
    assert.deepEqual(await wh.review('/validate', review), { uid: review.request.uid, allowed: true });
  });

  it('allows the status subresource untouched, even when the spec is invalid', async () => {
    const invalid = gateway('gw', { sourceIP: { mode: 'VirtualIP' } });
    const review = reviewOf(invalid, { operation: 'UPDATE', oldObject: invalid, subResource: 'status' });
    assert.deepEqual(await wh.review('/validate', review), { uid: review.request.uid, allowed: true });
    assert.deepEqual(await wh.review('/mutate', review), { uid: review.request.uid, allowed: true });
  });

  it('allows an UPDATE of an object being deleted (finalizer removal)', async () => {
    const invalid = gateway('gw', { sourceIP: { mode: 'VirtualIP' } });
    invalid.metadata.deletionTimestamp = '2026-11-22T10:00:00Z';
    const review = reviewOf(invalid, { operation: 'UPDATE', oldObject: invalid });
    assert.deepEqual(await wh.review('/validate', review), { uid: review.request.uid, allowed: true });
  });

  it('serves /healthz and /readyz, and 404 with a hint elsewhere', async () => {
    const health = await wh.post('/healthz', undefined, {});
    assert.equal(health.status, 404, 'POST /healthz is not a route');
    const h = await (await import('./helpers/https-client.js')).httpsRequest(`${wh.url}/healthz`, { ca: wh.ca, method: 'GET' });
    assert.deepEqual([h.status, h.json], [200, { status: 'ok' }]);
    const r = await (await import('./helpers/https-client.js')).httpsRequest(`${wh.url}/readyz`, { ca: wh.ca, method: 'GET' });
    assert.deepEqual([r.status, r.json], [200, { status: 'ready' }]);
    assert.equal(health.json.message, 'no route POST /healthz; use POST /validate, POST /mutate or POST /warn-node');
  });
});

describe('readiness', () => {
  it('/readyz is 503 with the reasons until the cluster state is synced', async () => {
    const wh = await startWebhook({ notReady: () => ['cluster state not synced: nodes, pods'] });
    try {
      const { httpsRequest } = await import('./helpers/https-client.js');
      const r = await httpsRequest(`${wh.url}/readyz`, { ca: wh.ca, method: 'GET' });
      assert.deepEqual([r.status, r.json], [503, { status: 'not ready', reasons: ['cluster state not synced: nodes, pods'] }]);
    } finally {
      await wh.close();
    }
  });
});
