import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateServingCertificate, inspectCertificate, type IssueOptions, type ServingCertificate } from './certificates.js';
import { pairProblem } from './serving-tls.js';

// A local CA and a serving certificate in a folder, for running on a workstation or in tests.

const day = 24 * 60 * 60 * 1000;

/** The files in `dir`, or why they cannot serve: undefined `why` when there are none at all (a first start). */
async function readExisting(dir: string): Promise<{ certs: ServingCertificate } | { why?: string }> {
  const names = ['ca.crt', 'tls.crt', 'tls.key'] as const;
  const read = await Promise.all(names.map((f) => readFile(join(dir, f), 'utf8').catch((e: NodeJS.ErrnoException) => e)));
  const failed = names.filter((_, i) => typeof read[i] !== 'string');
  if (failed.length === names.length && read.every((r) => (r as NodeJS.ErrnoException).code === 'ENOENT')) return {};
  if (failed.length > 0) return { why: `${failed.join(', ')} could not be read (${(read[names.indexOf(failed[0]!)] as Error).message})` };
  const [ca, cert, key] = read as string[];
  const facts = inspectCertificate(cert!);
  if (!facts) return { why: 'tls.crt is not a PEM certificate' };
  if (facts.validToMs < Date.now() + day) return { why: 'tls.crt expires within a day' };
  const problem = pairProblem({ cert: cert!, key: key! });
  if (problem) return { why: `tls.key: ${problem}` };
  return { certs: { ca: ca!, cert: cert!, key: key! } };
}

/**
 * Reads ca.crt, tls.crt and tls.key from `dir`, or writes new ones when any is missing, unreadable or expiring;
 * `replaced` says why files that were there were not used.
 */
export async function ensureLocalCertificates(dir: string, opts: IssueOptions): Promise<{ certs: ServingCertificate; generated: boolean; replaced?: string }> {
  const existing = await readExisting(dir);
  if ('certs' in existing) return { certs: existing.certs, generated: false };
  const certs = await generateServingCertificate(opts);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'ca.crt'), certs.ca);
  await writeFile(join(dir, 'tls.crt'), certs.cert);
  await writeFile(join(dir, 'tls.key'), certs.key, { mode: 0o600 });
  return { certs, generated: true, ...(existing.why ? { replaced: existing.why } : {}) };
}
