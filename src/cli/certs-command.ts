import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateServingCertificate, serviceSANs } from '../tls/certificates.js';
import { certificateFlagOptions, certificateParamsFrom } from './certificate-flags.js';
import { parseFlags, UsageError } from './flags.js';

export const certsUsage = `Usage: egress-gateway-webhook certs --service S --namespace N --out DIR [flags]

Writes ca.crt, tls.crt and tls.key for the webhook's Service and prints the base64 caBundle for the
webhook configurations. SANs: S, S.N, S.N.svc, S.N.svc.<cluster-domain>, and any --san.

  --service NAME        the webhook's Service
  --namespace NS        its namespace
  --out DIR             where to write the files (created if missing)
  --san NAME|IP         an extra DNS name or IP address, repeatable
  --cluster-domain D    (default cluster.local)
  --key-type ec|rsa     EC P-256 or RSA 2048 (default ec)
  --ca-days N           CA validity (default 3650)
  --cert-days N         serving certificate validity (default 365)
  -h, --help            print this
`;

export const certsFlagOptions = {
  service: { type: 'string' },
  namespace: { type: 'string' },
  out: { type: 'string' },
  'cluster-domain': { type: 'string' },
  ...certificateFlagOptions,
  help: { type: 'boolean', short: 'h' },
} as const;

export async function certsCommand(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const values = parseFlags(args, certsFlagOptions);
  if (values.help) {
    out.write(certsUsage);
    return 0;
  }
  const { service, namespace } = values;
  if (!service || !namespace || !values.out) throw new UsageError('--service, --namespace and --out are required');
  const { extraSANs, keyType, caDays, certDays } = certificateParamsFrom(values);
  const certs = await generateServingCertificate({
    ...serviceSANs(service, namespace, extraSANs, values['cluster-domain']),
    keyType,
    caDays,
    certDays,
  });
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, 'ca.crt'), certs.ca);
  await writeFile(join(values.out, 'tls.crt'), certs.cert);
  await writeFile(join(values.out, 'tls.key'), certs.key, { mode: 0o600 });
  out.write(`${Buffer.from(certs.ca).toString('base64')}\n`);
  return 0;
}
