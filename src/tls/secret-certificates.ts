import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { statusCodeOf } from '../cluster/api-errors.js';
import { generateCA, inspectCertificate, issueServingCertificate, type KeyPair, type KeyType } from './certificates.js';

// The CA and serving certificate of all replicas, in one Secret of the webhook's namespace. Whichever replica
// comes first creates it; the others read it (create, and on conflict read: no leader election, never two
// CAs). A certificate that is missing, unparsable, expiring soon or issued for other names is replaced with
// an optimistic-concurrency update, so two replicas renewing at once still end with one result.
// The Helm chart creates the Secret empty (so the service account needs no `create` on Secrets); an update
// keeps its type, labels and annotations, which Helm owns. Outside the chart the first replica creates it.

export interface SecretCertificateOptions {
  namespace: string;
  name: string;
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  /** Renew what expires within this many ms. */
  renewBeforeMs: number;
  certDays: number;
  caDays: number;
  keyType: KeyType;
}

export interface BundleCertificates {
  /** PEM bundle for caBundle: the CA, plus the previous CA while a CA change settles. */
  caBundle: string;
  cert: string;
  key: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

interface Stored {
  ca?: KeyPair;
  leaf?: KeyPair;
  bundle?: string;
  resourceVersion?: string;
  /** What an update must keep: the type is immutable, labels and annotations may be Helm's. */
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function read(secret: V1Secret): Stored {
  const d = secret.data ?? {};
  const caCert = unb64(d['ca.crt']);
  const caKey = unb64(d['ca.key']);
  const cert = unb64(d['tls.crt']);
  const key = unb64(d['tls.key']);
  const bundle = unb64(d['ca-bundle.crt']);
  return {
    ...(caCert && caKey ? { ca: { cert: caCert, key: caKey } } : {}),
    ...(cert && key ? { leaf: { cert, key } } : {}),
    ...(bundle ? { bundle } : {}),
    ...(secret.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}),
    ...(secret.type ? { type: secret.type } : {}),
    ...(secret.metadata?.labels ? { labels: secret.metadata.labels } : {}),
    ...(secret.metadata?.annotations ? { annotations: secret.metadata.annotations } : {}),
  };
}

export class SecretCertificates {
  constructor(
    private readonly core: CoreV1Api,
    private readonly opts: SecretCertificateOptions,
    private readonly logger: Logger,
  ) {}

  /** Why this CA cannot keep signing, or undefined when it can. */
  private caProblem(ca: KeyPair | undefined): string | undefined {
    if (!ca) return 'no CA in the Secret';
    const facts = inspectCertificate(ca.cert);
    if (!facts) return 'the CA does not parse';
    if (facts.validToMs - Date.now() < this.opts.renewBeforeMs) return 'the CA expires soon';
    return undefined;
  }

  /** Why this serving certificate must be replaced, or undefined when it can serve. */
  private leafProblem(leaf: KeyPair | undefined): string | undefined {
    if (!leaf) return 'no serving certificate in the Secret';
    const facts = inspectCertificate(leaf.cert);
    if (!facts) return 'the serving certificate does not parse';
    if (facts.validToMs - Date.now() < this.opts.renewBeforeMs) return 'the serving certificate expires soon';
    const missing = [...this.opts.dnsNames.filter((n) => !facts.dnsNames.includes(n)), ...this.opts.ipAddresses.filter((ip) => !facts.ipAddresses.includes(ip))];
    if (missing.length) return `the serving certificate lacks ${missing.join(', ')} (the Service changed?)`;
    return undefined;
  }

  private async issue(stored: Stored): Promise<{ ca: KeyPair; leaf: KeyPair; bundle: string; why: string }> {
    const caProblem = this.caProblem(stored.ca);
    const ca = caProblem ? await generateCA({ keyType: this.opts.keyType, days: this.opts.caDays }) : stored.ca!;
    const leaf = await issueServingCertificate(ca, {
      dnsNames: this.opts.dnsNames,
      ipAddresses: this.opts.ipAddresses,
      keyType: this.opts.keyType,
      certDays: this.opts.certDays,
    });
    // After a CA change the old CA stays trusted beside the new one, so replicas still serving the old
    // certificate keep being accepted until they load the new one.
    const oldFacts = caProblem && stored.ca ? inspectCertificate(stored.ca.cert) : undefined;
    const oldCA = oldFacts && oldFacts.validToMs > Date.now() ? stored.ca!.cert : '';
    const bundle = ca.cert + oldCA;
    return { ca, leaf, bundle, why: caProblem ? `${caProblem}: new CA` : (this.leafProblem(stored.leaf) ?? 'renewal') };
  }

  private body(ca: KeyPair, leaf: KeyPair, bundle: string, existing?: Stored): V1Secret {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: existing?.type ?? 'kubernetes.io/tls',
      metadata: {
        name: this.opts.name,
        namespace: this.opts.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'egress-gateway-webhook', ...existing?.labels },
        ...(existing?.annotations ? { annotations: existing.annotations } : {}),
        ...(existing?.resourceVersion ? { resourceVersion: existing.resourceVersion } : {}),
      },
      data: { 'ca.crt': b64(ca.cert), 'ca.key': b64(ca.key), 'tls.crt': b64(leaf.cert), 'tls.key': b64(leaf.key), 'ca-bundle.crt': b64(bundle) },
    };
  }

  /** The certificates to serve, creating or renewing the Secret as needed. */
  async ensure(): Promise<BundleCertificates> {
    const { namespace, name } = this.opts;
    for (let attempt = 0; attempt < 5; attempt++) {
      let stored: Stored | undefined;
      try {
        stored = read(await this.core.readNamespacedSecret({ name, namespace }));
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
      if (stored && !this.caProblem(stored.ca) && !this.leafProblem(stored.leaf)) {
        return { caBundle: stored.bundle ?? stored.ca!.cert, cert: stored.leaf!.cert, key: stored.leaf!.key };
      }
      const fresh = await this.issue(stored ?? {});
      try {
        if (!stored) {
          await this.core.createNamespacedSecret({ namespace, body: this.body(fresh.ca, fresh.leaf, fresh.bundle) }).catch((err: unknown) => {
            if (statusCodeOf(err) !== 403) throw err;
            throw new Error(
              `the Secret ${namespace}/${name} does not exist and this service account may not create it; the Helm chart creates it (helm upgrade puts it back), or create an empty one: kubectl -n ${namespace} create secret generic ${name}`,
            );
          });
          this.logger.info({ secret: `${namespace}/${name}` }, 'created the certificate Secret');
        } else {
          await this.core.replaceNamespacedSecret({ name, namespace, body: this.body(fresh.ca, fresh.leaf, fresh.bundle, stored) });
          this.logger.info({ secret: `${namespace}/${name}`, reason: fresh.why }, 'renewed the certificate Secret');
        }
        return { caBundle: fresh.bundle, cert: fresh.leaf.cert, key: fresh.leaf.key };
      } catch (err) {
        // Another replica was faster: take what it wrote.
        if (statusCodeOf(err) === 409) continue;
        throw err;
      }
    }
    throw new Error(`the certificate Secret ${namespace}/${name} kept changing under us; giving up for now`);
  }
}
