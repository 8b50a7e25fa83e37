import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { pino } from 'pino';
import { CABundleInjector } from '../src/tls/ca-injector.js';
import { generateCA, inspectCertificate, issueServingCertificate } from '../src/tls/certificates.js';
import { SecretCertificates } from '../src/tls/secret-certificates.js';

// The Secret bootstrap's decisions, against an in-memory Secrets API with the API server's concurrency rules
// (create of an existing name: 409; replace with a stale resourceVersion: 409). The real API server is in the
// e2e suite.

const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

class SecretsAPI {
  secret: V1Secret | undefined;
  private version = 0;
  creates = 0;
  replaces = 0;
  /** As a service account without `create` on Secrets (the chart's): create answers 403. */
  mayCreate = true;
  async readNamespacedSecret(): Promise<V1Secret> {
    if (!this.secret) throw apiError(404);
    return { type: 'Opaque', ...structuredClone(this.secret) }; // the API server's default type
  }
  async createNamespacedSecret({ body }: { body: V1Secret }): Promise<V1Secret> {
    await new Promise((r) => setTimeout(r, 5)); // let a racing replica get here too
    if (!this.mayCreate) throw apiError(403);
    if (this.secret) throw apiError(409);
    this.creates++;
    this.secret = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++this.version) } };
    return this.secret;
  }
  async replaceNamespacedSecret({ body }: { body: V1Secret }): Promise<V1Secret> {
    if (body.metadata?.resourceVersion !== this.secret?.metadata?.resourceVersion) throw apiError(409);
    if ((body.type ?? 'Opaque') !== (this.secret?.type ?? 'Opaque')) throw apiError(422); // the type is immutable
    this.replaces++;
    this.secret = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++this.version) } };
    return this.secret;
  }
}

const names = ['egw', 'egw.ns', 'egw.ns.svc', 'egw.ns.svc.cluster.local'];
const opts = { namespace: 'ns', name: 'egw-tls', dnsNames: names, ipAddresses: [], renewBeforeMs: 30 * 86_400_000, certDays: 365, caDays: 3650, keyType: 'ec' as const };
const silent = pino({ level: 'silent' });
const store = (api: SecretsAPI, o: Partial<typeof opts> = {}) => new SecretCertificates(api as unknown as CoreV1Api, { ...opts, ...o }, silent);
const data = (api: SecretsAPI, key: string) => Buffer.from(api.secret!.data![key]!, 'base64').toString('utf8');
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('certificates in a Secret', () => {
  it('the first replica creates it; later calls reuse it unchanged', async () => {
    const api = new SecretsAPI();
    const first = await store(api).ensure();
    assert.equal(api.creates, 1);
    assert.equal(api.secret!.type, 'kubernetes.io/tls');
    assert.deepEqual(inspectCertificate(first.cert)!.dnsNames, names);
    assert.equal(first.caBundle, data(api, 'ca.crt'));
    const again = await store(api).ensure();
    assert.deepEqual(again, first);
    assert.equal(api.replaces, 0);
  });

  it('fills the empty Secret the Helm chart made, keeping its type, labels and annotations; never creates', async () => {
    const api = new SecretsAPI();
    api.mayCreate = false;
    const helmLabels = { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'egw' };
    const helmAnnotations = { 'meta.helm.sh/release-name': 'egw', 'meta.helm.sh/release-namespace': 'ns' };
    api.secret = { type: 'Opaque', metadata: { name: 'egw-tls', namespace: 'ns', resourceVersion: '3', labels: helmLabels, annotations: helmAnnotations } };
    const [a, b] = await Promise.all([store(api).ensure(), store(api).ensure()]);
    assert.deepEqual([api.creates, api.replaces], [0, 1]);
    assert.equal(a.cert, b.cert, 'the replica that lost the race took the winner');
    assert.equal(api.secret.type, 'Opaque');
    assert.deepEqual(api.secret.metadata!.labels, helmLabels);
    assert.deepEqual(api.secret.metadata!.annotations, helmAnnotations);
    assert.deepEqual(Object.keys(api.secret.data!).sort(), ['ca-bundle.crt', 'ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
  });

  it('without the Secret and without the right to create it, says what to do', async () => {
    const api = new SecretsAPI();
    api.mayCreate = false;
    await assert.rejects(store(api).ensure(), {
      message: 'the Secret ns/egw-tls does not exist and this service account may not create it; the Helm chart creates it (helm upgrade puts it back), or create an empty one: kubectl -n ns create secret generic egw-tls',
    });
  });

  it('replicas starting at once end with one Secret and one CA (create, and on conflict read)', async () => {
    const api = new SecretsAPI();
    const results = await Promise.all([store(api).ensure(), store(api).ensure(), store(api).ensure()]);
    assert.equal(api.creates, 1);
    assert.equal(new Set(results.map((r) => r.cert)).size, 1);
    assert.equal(new Set(results.map((r) => r.caBundle)).size, 1);
  });

  it('renews a serving certificate that expires within the window, keeping the CA', async () => {
    const api = new SecretsAPI();
    await store(api, { certDays: 10 }).ensure();
    const ca = data(api, 'ca.crt');
    const renewed = await store(api).ensure();
    assert.equal(api.replaces, 1);
    assert.equal(data(api, 'ca.crt'), ca, 'same CA: the caBundle does not change');
    assert.equal(renewed.caBundle, ca);
    assert.ok(inspectCertificate(renewed.cert)!.validToMs > Date.now() + 300 * 86_400_000);
  });

  it('reissues for new names when the Service changed', async () => {
    const api = new SecretsAPI();
    await store(api, { dnsNames: ['old', 'old.ns'] }).ensure();
    const renewed = await store(api).ensure();
    assert.deepEqual(inspectCertificate(renewed.cert)!.dnsNames, names);
  });

  it('makes a new CA when the stored one is unusable, trusting old and new CA during the change', async () => {
    const api = new SecretsAPI();
    const oldCA = await generateCA({ days: 20 }); // expires within the 30-day window
    const leaf = await issueServingCertificate(oldCA, { dnsNames: names });
    api.secret = { metadata: { resourceVersion: '7' }, data: { 'ca.crt': b64(oldCA.cert), 'ca.key': b64(oldCA.key), 'tls.crt': b64(leaf.cert), 'tls.key': b64(leaf.key) } };
    const renewed = await store(api).ensure();
    const newCA = data(api, 'ca.crt');
    assert.notEqual(newCA, oldCA.cert);
    assert.equal(renewed.caBundle, newCA + oldCA.cert);
    assert.equal(data(api, 'ca-bundle.crt'), newCA + oldCA.cert);
  });

  it('replaces garbage', async () => {
    const api = new SecretsAPI();
    api.secret = { metadata: { resourceVersion: '1' }, data: { 'tls.crt': b64('not a certificate'), 'tls.key': b64('x') } };
    const fixed = await store(api).ensure();
    assert.ok(inspectCertificate(fixed.cert));
    assert.equal(api.replaces, 1);
  });

  it('a replace that loses a race reads again and takes the winner', async () => {
    const api = new SecretsAPI();
    await store(api, { certDays: 10 }).ensure();
    const [a, b] = await Promise.all([store(api).ensure(), store(api).ensure()]);
    assert.equal(a.cert, b.cert);
    assert.equal(api.replaces, 1);
  });
});

describe('caBundle injection', () => {
  it('writes every stale webhook, leaves good ones, and waits for a configuration that does not exist yet', async () => {
    const configs: Record<string, any> = {
      validating: { metadata: { name: 'egw' }, webhooks: [{ name: 'a', clientConfig: { caBundle: 'old' } }, { name: 'b', clientConfig: {} }] },
    };
    const writes: string[] = [];
    const api = {
      readValidatingWebhookConfiguration: async () => structuredClone(configs['validating']),
      replaceValidatingWebhookConfiguration: async ({ body }: any) => {
        writes.push('validating');
        configs['validating'] = body;
      },
      readMutatingWebhookConfiguration: async () => {
        throw apiError(404);
      },
      replaceMutatingWebhookConfiguration: async () => assert.fail('nothing to write'),
    };
    const injector = new CABundleInjector(api as never, 'egw', silent);
    assert.equal(await injector.inject('PEM'), 2);
    assert.deepEqual(configs['validating'].webhooks.map((w: any) => w.clientConfig.caBundle), [b64('PEM'), b64('PEM')]);
    assert.equal(await injector.inject('PEM'), 0, 'nothing to do the second time');
    assert.deepEqual(writes, ['validating']);
  });

  it('with only the validating configuration to fill (no Deckhouse kinds), the mutating one is never read', async () => {
    const reads: string[] = [];
    const api = {
      readValidatingWebhookConfiguration: async () => {
        reads.push('validating');
        return { metadata: { name: 'egw' }, webhooks: [{ name: 'a', clientConfig: { caBundle: b64('PEM') } }] };
      },
      readMutatingWebhookConfiguration: async () => {
        reads.push('mutating');
        throw apiError(404);
      },
    };
    const warned: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warned.push(line) });
    assert.equal(await new CABundleInjector(api as never, 'egw', logger, ['validating']).inject('PEM'), 0);
    assert.deepEqual([reads, warned], [['validating'], []]);
  });
});
