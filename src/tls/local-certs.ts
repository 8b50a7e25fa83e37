import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateServingCertificate, inspectCertificate, type IssueOptions, type ServingCertificate } from './certificates.js';

// A local CA and a serving certificate in a folder, for running on a workstation or in tests.

const day = 24 * 60 * 60 * 1000;

async function readExisting(dir: string): Promise<ServingCertificate | undefined> {
  try {
    const [ca, cert, key] = await Promise.all(['ca.crt', 'tls.crt', 'tls.key'].map((f) => readFile(join(dir, f), 'utf8')));
    const facts = inspectCertificate(cert!);
    if (!facts || facts.validToMs < Date.now() + day) return undefined;
    return { ca: ca!, cert: cert!, key: key! };
  } catch {
    return undefined;
  }
}

/** Reads ca.crt, tls.crt and tls.key from `dir`, or writes new ones when any is missing, unreadable or expiring. */
export async function ensureLocalCertificates(dir: string, opts: IssueOptions): Promise<{ certs: ServingCertificate; generated: boolean }> {
  const existing = await readExisting(dir);
  if (existing) return { certs: existing, generated: false };
  const certs = await generateServingCertificate(opts);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.crt'), certs.ca);
  await writeFile(join(dir, 'tls.crt'), certs.cert);
  await writeFile(join(dir, 'tls.key'), certs.key, { mode: 0o600 });
  return { certs, generated: true };
}
