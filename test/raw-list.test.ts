import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { KubeConfig } from '@kubernetes/client-node';
import { describeError, statusCodeOf } from '../src/cluster/api-errors.js';
import { listPage } from '../src/cluster/raw-list.js';
import { testCertificates } from './helpers/webhook.js';

// A page of a core list fetched as plain JSON over client-node's connection settings: real HTTPS verified against
// the kubeconfig's CA, the kubeconfig's token, gzip when the server compresses, and the API server's errors as
// client-node's ApiException (so the reflector's backoff and log lines read them as before).

/** What a promise that must fail rejects with. */
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );

describe('listPage', () => {
  let server: Server;
  let url = '';
  const seen: { url: string; authorization?: string; encoding?: string }[] = [];
  const list = { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: '42', continue: 'next' }, items: [{ metadata: { name: 'node-a' } }] };

  before(async () => {
    const tls = await testCertificates();
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization, encoding: req.headers['accept-encoding'] });
      if (req.url?.startsWith('/api/v1/nodes')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify(list)));
      } else if (req.url?.startsWith('/prefix/api/v1/nodes')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(list));
      } else if (req.url?.startsWith('/cut/')) {
        // Half a page, then the connection goes (an API server restart, a load balancer reset).
        const gzip = req.url === '/cut/gzip';
        const page = JSON.stringify({ ...list, items: Array.from({ length: 2000 }, (_, i) => ({ metadata: { name: `node-${i}`, uid: `${i}`.repeat(20) } })) });
        const body = gzip ? gzipSync(page) : Buffer.from(page);
        res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(body.length) });
        res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      } else if (req.url?.startsWith('/gone')) {
        res.writeHead(410, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'The provided continue parameter is too old', reason: 'Expired', code: 410 })));
      } else if (req.url?.startsWith('/api/v1/namespaces/x/pods')) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'pods is forbidden: User "u" cannot list resource "pods"', code: 403 }));
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>not an API server</html>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const kubeConfig = async (server = url) => {
    const tls = await testCertificates();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server, caData: Buffer.from(tls.ca).toString('base64') }],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  };

  it('sends the token and the paging parameters, and decodes a gzip answer', async () => {
    const page = await listPage(await kubeConfig(), '/api/v1/nodes', { limit: 500, continue: 'abc', labelSelector: undefined });
    assert.deepEqual(page, list);
    assert.deepEqual(seen.at(-1), { url: '/api/v1/nodes?limit=500&continue=abc', authorization: 'Bearer secret-token', encoding: 'gzip' });
  });

  it('an HTTP error is an ApiException with the code and the Status message', async () => {
    const err = await failureOf(listPage(await kubeConfig(), '/api/v1/namespaces/x/pods', { labelSelector: 'app=agent' }));
    assert.equal(statusCodeOf(err), 403);
    assert.equal(describeError(err), 'HTTP 403: pods is forbidden: User "u" cannot list resource "pods" (check the RBAC of the service account)');
    assert.equal(seen.at(-1)!.url, '/api/v1/namespaces/x/pods?labelSelector=app%3Dagent');
  });

  it("a Status left as the response's text (client-node's watch and custom-object calls) is read for its message, whole", () => {
    const message =
      'egressgateways.network.deckhouse.io is forbidden: User "system:serviceaccount:d8-system:egress-gateway-webhook" cannot list resource "egressgateways" in API group "network.deckhouse.io" at the cluster scope';
    const err = Object.assign(new Error('HTTP-Code: 403'), { code: 403, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', code: 403 }) });
    assert.equal(describeError(err), `HTTP 403: ${message} (check the RBAC of the service account)`);
    assert.equal(describeError(Object.assign(new Error('x'), { code: 502, body: 'Bad Gateway' })), 'HTTP 502: Bad Gateway');
  });

  it('a server URL with a path keeps it in front of the API path', async () => {
    assert.deepEqual(await listPage(await kubeConfig(`${url}/prefix/`), '/api/v1/nodes', { limit: 1 }), list);
    assert.equal(seen.at(-1)!.url, '/prefix/api/v1/nodes?limit=1');
  });

  it('a connection cut in the middle of a page fails the list, compressed or not, instead of waiting for ever', { timeout: 10_000 }, async () => {
    const kc = await kubeConfig();
    await assert.rejects(listPage(kc, '/cut/gzip', {}), { message: /^listing \/cut\/gzip: / });
    await assert.rejects(listPage(kc, '/cut/plain', {}), { message: /^listing \/cut\/plain: / });
  });

  it('410 Gone (an expired continue token) reaches the reflector as such, also compressed', async () => {
    const err = await failureOf(listPage(await kubeConfig(), '/gone', { continue: 'old' }));
    assert.equal(statusCodeOf(err), 410);
    assert.equal(describeError(err), 'HTTP 410: The provided continue parameter is too old');
  });

  it('an answer that is not JSON is refused with a line that says so', async () => {
    await assert.rejects(listPage(await kubeConfig(), '/other', {}), { message: /^listing \/other: the answer is not JSON \(/ });
  });

  it('a server whose certificate the kubeconfig does not trust is refused', async () => {
    const kc = await kubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: url }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    await assert.rejects(listPage(kc, '/api/v1/nodes', {}), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});
