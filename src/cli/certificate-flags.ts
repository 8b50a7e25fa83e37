import type { CertificateParams, KeyType } from '../tls/certificates.js';
import { oneOf, positiveInt } from './flags.js';

// Flags of newly issued certificates, shared by `certs` (files) and `serve --tls-secret` (the Secret) so both
// issue alike.

export const certificateFlagOptions = {
  san: { type: 'string', multiple: true },
  'key-type': { type: 'string' },
  'ca-days': { type: 'string' },
  'cert-days': { type: 'string' },
} as const;


export function certificateParamsFrom(values: { san?: string[] | undefined; 'key-type'?: string | undefined; 'ca-days'?: string | undefined; 'cert-days'?: string | undefined }): CertificateParams {
  return {
    extraSANs: values.san ?? [],
    keyType: oneOf<KeyType>('--key-type', values['key-type'], ['ec', 'rsa'], 'ec'),
    caDays: positiveInt('--ca-days', values['ca-days'], 3650),
    certDays: positiveInt('--cert-days', values['cert-days'], 365),
  };
}
