import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

// A local CA and a serving certificate for running on a workstation or in tests. SANs are mandatory:
// Go, and so the API server, rejects a certificate that only has a common name.

export interface ServingCertificate {
  ca: string;
  cert: string;
  key: string;
}

export interface LocalCertOptions {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  /** Days the serving certificate is valid. */
  days?: number;
}

const day = 24 * 60 * 60 * 1000;

/** A self-signed CA (10 years) and a leaf it signs, EC P-256 with sha256. */
export async function generateServingCertificate(opts: LocalCertOptions): Promise<ServingCertificate> {
  const now = new Date();
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'egress-gateway-webhook local CA' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + 3650 * day),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await selfsigned.generate([{ name: 'commonName', value: opts.dnsNames[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + (opts.days ?? 365) * day),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...opts.dnsNames.map((value) => ({ type: 2 as const, value })), ...opts.ipAddresses.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { ca: ca.cert, cert: leaf.cert, key: leaf.private };
}

async function readExisting(dir: string): Promise<ServingCertificate | undefined> {
  try {
    const [ca, cert, key] = await Promise.all(['ca.crt', 'tls.crt', 'tls.key'].map((f) => readFile(join(dir, f), 'utf8')));
    const validTo = new Date(new X509Certificate(cert!).validTo).getTime();
    if (validTo < Date.now() + day) return undefined;
    return { ca: ca!, cert: cert!, key: key! };
  } catch {
    return undefined;
  }
}

/** Reads ca.crt, tls.crt and tls.key from `dir`, or writes new ones when any is missing, unreadable or expiring. */
export async function ensureLocalCertificates(dir: string, opts: LocalCertOptions): Promise<{ certs: ServingCertificate; generated: boolean }> {
  const existing = await readExisting(dir);
  if (existing) return { certs: existing, generated: false };
  const certs = await generateServingCertificate(opts);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.crt'), certs.ca);
  await writeFile(join(dir, 'tls.crt'), certs.cert);
  await writeFile(join(dir, 'tls.key'), certs.key, { mode: 0o600 });
  return { certs, generated: true };
}
