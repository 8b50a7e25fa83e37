import type { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { statusCodeOf } from '../cluster/api-errors.js';

// Writes the caBundle into every webhook of the named Validating and Mutating webhook configurations, and
// again whenever someone (a `helm upgrade`, say) resets it: call inject() periodically.

export class CABundleInjector {
  private readonly missingLogged = new Set<string>();

  constructor(
    private readonly api: AdmissionregistrationV1Api,
    private readonly configName: string,
    private readonly logger: Logger,
    /** Without the Deckhouse kinds there is nothing to mutate, and the chart creates no mutating configuration. */
    private readonly configKinds: readonly ('validating' | 'mutating')[] = ['validating', 'mutating'],
  ) {}

  /** Makes both configurations carry `bundle`; returns how many webhooks it changed. */
  async inject(bundle: string): Promise<number> {
    const caBundle = Buffer.from(bundle).toString('base64');
    let changed = 0;
    for (const kind of this.configKinds) {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const name = this.configName;
          const config = kind === 'validating' ? await this.api.readValidatingWebhookConfiguration({ name }) : await this.api.readMutatingWebhookConfiguration({ name });
          this.missingLogged.delete(kind);
          const stale = (config.webhooks ?? []).filter((w) => w.clientConfig.caBundle !== caBundle);
          if (stale.length === 0) break;
          for (const w of stale) w.clientConfig.caBundle = caBundle;
          if (kind === 'validating') await this.api.replaceValidatingWebhookConfiguration({ name, body: config });
          else await this.api.replaceMutatingWebhookConfiguration({ name, body: config });
          changed += stale.length;
          this.logger.info({ kind, config: name, webhooks: stale.map((w) => w.name) }, 'wrote caBundle into the webhook configuration');
          break;
        } catch (err) {
          if (statusCodeOf(err) === 409) continue; // changed meanwhile: read again
          if (statusCodeOf(err) === 404) {
            if (!this.missingLogged.has(kind)) this.logger.warn({ kind, config: this.configName }, 'webhook configuration not found; will inject its caBundle once it exists');
            this.missingLogged.add(kind);
            break;
          }
          throw err;
        }
      }
    }
    return changed;
  }
}
