import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { inspectCertificate, type KeyPair } from './certificates.js';

// The serving certificate of a running server, replaceable without a restart: setSecureContext makes new
// TLS connections use the new pair while open ones finish on the old one.

interface SecureServer {
  setSecureContext(options: { key: string; cert: string; minVersion: 'TLSv1.2'; ciphers?: string }): void;
}

function expiryOf(pair: KeyPair): number {
  return inspectCertificate(pair.cert)?.validToMs ?? Number.NaN;
}

/** Why a pair cannot serve, or undefined when it can. */
export function pairProblem(pair: KeyPair): string | undefined {
  try {
    const cert = new X509Certificate(pair.cert);
    if (!cert.checkPrivateKey(createPrivateKey(pair.key))) return 'the key does not belong to the certificate';
    if (new Date(cert.validTo).getTime() < Date.now()) return `the certificate expired at ${new Date(cert.validTo).toISOString()}`;
    return undefined;
  } catch (e) {
    return `unreadable: ${(e as Error).message}`;
  }
}

export class ServingTls {
  private pair: KeyPair;
  private expiry: number;
  private server: SecureServer | undefined;

  /** `ciphers`: the server's cipher list, which a new secure context must carry again (it does not inherit it). */
  constructor(
    initial: KeyPair,
    private readonly logger: Logger,
    private readonly ciphers?: string,
  ) {
    this.pair = initial;
    this.expiry = expiryOf(initial);
  }

  get current(): KeyPair {
    return this.pair;
  }

  /** Unix ms when the current certificate expires (read each metrics scrape: kept, not re-parsed). */
  expiryMs(): number {
    return this.expiry;
  }

  attach(server: SecureServer): void {
    this.server = server;
  }

  /** Serves `pair` from now on, unless it is unusable (then the current one stays, and it says why). */
  replace(pair: KeyPair, source: string): boolean {
    if (pair.cert === this.pair.cert && pair.key === this.pair.key) return false;
    const problem = pairProblem(pair);
    if (problem) {
      this.logger.error({ source, problem }, 'new serving certificate refused; keeping the current one');
      return false;
    }
    this.server?.setSecureContext({ key: pair.key, cert: pair.cert, minVersion: 'TLSv1.2', ...(this.ciphers ? { ciphers: this.ciphers } : {}) });
    this.pair = pair;
    this.expiry = expiryOf(pair);
    const expiry = this.expiry;
    this.logger.info({ source, expiresAt: new Date(expiry).toISOString(), secondsLeft: Math.round((expiry - Date.now()) / 1000) }, 'serving certificate reloaded');
    return true;
  }
}
