import { randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

// A CA and the serving certificate it signs, made with selfsigned: sha256, EC P-256 or RSA 2048, and SANs
// always (Go, and so the API server, rejects a certificate that only has a common name).

export type KeyType = 'ec' | 'rsa';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface ServingCertificate {
  /** PEM of the CA that signed `cert` (the caBundle). */
  ca: string;
  /** The CA's key, kept only where the certificate is renewed (the Secret); absent for loaded files. */
  caKey?: string;
  cert: string;
  key: string;
}

export interface IssueOptions {
  /** DNS SANs; the first is also the common name. */
  dnsNames: readonly string[];
  /** IP SANs. */
  ipAddresses?: readonly string[];
  keyType?: KeyType;
  caDays?: number;
  certDays?: number;
}

const day = 24 * 60 * 60 * 1000;

/** selfsigned ends PEMs without a newline; concatenated into a bundle they would run together. */
const pem = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/**
 * The SANs of a webhook Service's certificate: the DNS names the API server may use for it (svc, svc.ns,
 * svc.ns.svc, svc.ns.svc.<cluster domain>), plus extra names or IP addresses given on a command line.
 */
export function serviceSANs(
  service: string,
  namespace: string,
  extra: readonly string[],
  clusterDomain = 'cluster.local',
): { dnsNames: string[]; ipAddresses: string[] } {
  const own = [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
  return { dnsNames: [...own, ...extra.filter((s) => isIP(s) === 0)], ipAddresses: extra.filter((s) => isIP(s) !== 0) };
}

/** Loaded on first use (about 0.1 s): a server that reuses its certificates never needs it. */
const selfsignedLib = async () => (await import('selfsigned')).default;

const keyOptions = (keyType: KeyType) => (keyType === 'ec' ? { keyType: 'ec' as const, curve: 'P-256' as const } : { keyType: 'rsa' as const, keySize: 2048 });

export async function generateCA(opts: { keyType?: KeyType; days?: number } = {}): Promise<KeyPair> {
  const now = new Date();
  // A unique name per CA: during a CA change the caBundle holds old and new, and OpenSSL-based clients pick
  // the issuer by name, so two CAs of one name would fail verification for one of them.
  const ca = await (await selfsignedLib()).generate([{ name: 'commonName', value: `egress-gateway-webhook CA ${randomBytes(4).toString('hex')}` }], {
    ...keyOptions(opts.keyType ?? 'ec'),
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + (opts.days ?? 3650) * day),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pem(ca.cert), key: pem(ca.private) };
}

export async function issueServingCertificate(ca: KeyPair, opts: IssueOptions): Promise<KeyPair> {
  const now = new Date();
  const leaf = await (await selfsignedLib()).generate([{ name: 'commonName', value: opts.dnsNames[0] ?? 'localhost' }], {
    ...keyOptions(opts.keyType ?? 'ec'),
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + (opts.certDays ?? 365) * day),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...opts.dnsNames.map((value) => ({ type: 2 as const, value })), ...(opts.ipAddresses ?? []).map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { cert: pem(leaf.cert), key: pem(leaf.private) };
}

/** A new CA (10 years by default) and a serving certificate (1 year) it signs. */
export async function generateServingCertificate(opts: IssueOptions): Promise<ServingCertificate> {
  const ca = await generateCA({ keyType: opts.keyType ?? 'ec', days: opts.caDays ?? 3650 });
  const leaf = await issueServingCertificate(ca, opts);
  return { ca: ca.cert, caKey: ca.key, cert: leaf.cert, key: leaf.key };
}

export interface CertificateFacts {
  validToMs: number;
  dnsNames: string[];
  ipAddresses: string[];
}

/** What a PEM certificate says about itself, or undefined when it does not parse. */
export function inspectCertificate(pem: string): CertificateFacts | undefined {
  try {
    const x = new X509Certificate(pem);
    const sans = (x.subjectAltName ?? '').split(', ').filter(Boolean);
    return {
      validToMs: new Date(x.validTo).getTime(),
      dnsNames: sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
      ipAddresses: sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11)),
    };
  } catch {
    return undefined;
  }
}

/** How new certificates are issued (the same for the `certs` command and the in-cluster Secret). */
export interface CertificateParams {
  /** Extra DNS names or IP addresses, beyond the Service's names. */
  extraSANs: string[];
  keyType: KeyType;
  caDays: number;
  certDays: number;
}
