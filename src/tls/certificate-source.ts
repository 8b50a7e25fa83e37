import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { describeError } from '../cluster/api-errors.js';
import { Backoff } from '../cluster/backoff.js';
import type { CABundleInjector } from './ca-injector.js';
import type { KeyPair } from './certificates.js';
import { ensureLocalCertificates } from './local-certs.js';
import type { SecretCertificates } from './secret-certificates.js';

// Where the serving certificate comes from, behind one interface: mounted files (cert-manager or any Secret
// volume), the Secret the replicas share, or a local folder for running on a workstation.

export interface CertificateSource {
  /** For log lines: files, secret, local. */
  readonly name: string;
  /** The pair to serve from the start. */
  initial(): Promise<KeyPair>;
  /** Once the server listens: hands on every newer pair (the server decides whether it can serve it); returns how to stop. */
  follow(onPair: (pair: KeyPair) => void): Promise<() => void>;
}

/** Files re-read every `intervalMs`; polling, since a mounted Secret changes by swapping a symlinked folder. */
export function fileSource(certFile: string, keyFile: string, intervalMs: number, first: KeyPair): CertificateSource {
  return {
    name: 'files',
    initial: async () => first,
    async follow(onPair) {
      let last = first.cert + first.key;
      const timer = setInterval(() => {
        Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]).then(
          ([cert, key]) => {
            if (cert + key === last) return;
            last = cert + key;
            onPair({ cert, key });
          },
          () => undefined, // mid-swap or briefly missing: the next round sees the finished files
        );
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/** A CA and serving certificate in a folder, made on first use (localhost only): for workstations and tests. */
export function localSource(dir: string, logger: Logger): CertificateSource {
  return {
    name: 'local',
    async initial() {
      const { certs, generated, replaced } = await ensureLocalCertificates(dir, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] }).catch((e: Error) => {
        throw new Error(`--cert-dir ${dir}: ${e.message}`);
      });
      // Files that were there and were overwritten: say so, and why (a client trusting the old CA now fails).
      if (replaced) logger.warn({ certDir: dir, generated, replaced }, `replaced the local CA and serving certificate: ${replaced}`);
      else logger.info({ certDir: dir, generated }, generated ? 'generated a local CA and serving certificate' : 'loaded serving certificate');
      return certs;
    },
    follow: async () => () => undefined,
  };
}

/**
 * The Secret all replicas share. The first read retries until it works (nothing can listen without a
 * certificate); afterwards it is checked every `intervalMs`, since another replica may renew it, and the caBundle
 * is written into the webhook configurations each time (a helm upgrade may have reset it).
 */
export function secretSource(store: SecretCertificates, injector: CABundleInjector | undefined, intervalMs: number, logger: Logger): CertificateSource {
  return {
    name: 'secret',
    async initial() {
      const backoff = new Backoff();
      for (;;) {
        try {
          return await store.ensure();
        } catch (err) {
          const delay = backoff.next();
          logger.warn({ err: describeError(err), retryInMs: Math.round(delay) }, 'reading the certificate Secret failed; retrying');
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
    async follow(onPair) {
      let failing = false;
      const check = async () => {
        try {
          const current = await store.ensure();
          onPair(current);
          await injector?.inject(current.caBundle);
          if (failing) logger.info('certificate checks recovered');
          failing = false;
        } catch (err) {
          if (!failing) logger.warn({ err: describeError(err) }, 'certificate check failed; will retry');
          failing = true;
        }
      };
      await check();
      const timer = setInterval(() => void check(), intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
