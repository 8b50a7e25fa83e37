import type { AgentSelectors } from '../cluster/agents.js';
import type { RulesConfig } from '../resources/config.js';
import type { CertificateParams } from '../tls/certificates.js';
import type { ServerLimits } from './app.js';
import type { AuditOptions } from './audit-options.js';

// Everything `serve` needs, as plain values: the command line (or a test) fills it in.

export interface ServeOptions {
  host: string;
  port: number;
  certDir: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** How often mounted certificate files are re-read. */
  tlsReloadIntervalMs: number;
  /** In-cluster bootstrap: the Secret holding CA and serving certificate, shared by all replicas. */
  tlsSecret?: CertificateParams & {
    name: string;
    namespace: string;
    service: string;
    webhookConfig?: string;
    renewBeforeMs: number;
    checkIntervalMs: number;
  };
  clusterState: string[];
  /** Watch a real API server instead of reading files: undefined, or the kubeconfig ('' for the default). */
  kubeconfig?: string;
  agents: AgentSelectors;
  rules: RulesConfig;
  /** warn: answer what would be denied as allowed, with each field error as a warning. */
  enforcement: 'deny' | 'warn';
  limits: ServerLimits;
  metricsHost: string;
  /** Plain-HTTP port of /metrics; 0 for any free port. */
  metricsPort: number;
  /** After SIGTERM: how long /readyz fails while requests are still served, so endpoints drop this pod first. */
  shutdownDelayMs: number;
  /** After SIGTERM: the longest wait for in-flight requests before exiting anyway. */
  shutdownGraceMs: number;
  logLevel: string;
  /** Continuous audit of the stored objects (with --live only); undefined: off. */
  audit?: AuditOptions;
}
