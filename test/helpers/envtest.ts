import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The envtest convention: KUBEBUILDER_ASSETS names a folder with kube-apiserver, etcd and kubectl. This starts
// etcd and an API server on 127.0.0.1 (admin by token), and drives kubectl against it.

export const assetsDir = process.env['KUBEBUILDER_ASSETS'];

/** Why the suite cannot run here, or undefined when it can. */
export function envtestUnavailable(): string | undefined {
  if (!assetsDir) return 'KUBEBUILDER_ASSETS is not set: no Kubernetes API server to test against (set it to a folder with kube-apiserver, etcd, kubectl)';
  const missing = ['kube-apiserver', 'etcd', 'kubectl'].filter((b) => !existsSync(join(assetsDir, b)));
  return missing.length ? `KUBEBUILDER_ASSETS=${assetsDir} lacks ${missing.join(', ')}` : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

const token = 'envtest-admin-token';

function apiGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class EnvTest {
  readonly dir = mkdtempSync(join(tmpdir(), 'egw-envtest-'));
  readonly kubeconfig = join(this.dir, 'kubeconfig');
  private etcd: ChildProcess | undefined;
  private apiserver: ChildProcess | undefined;
  apiPort = 0;
  private etcdPort = 0;

  async start(): Promise<void> {
    this.etcdPort = await freePort();
    const peerPort = await freePort();
    this.apiPort = await freePort();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(this.dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(this.dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(this.dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`);
    writeFileSync(
      this.kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- name: envtest
  cluster: {server: "https://127.0.0.1:${this.apiPort}", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: ${token}}
contexts:
- name: envtest
  context: {cluster: envtest, user: admin}
current-context: envtest
`,
    );
    this.etcd = spawn(
      join(assetsDir!, 'etcd'),
      [
        '--data-dir', join(this.dir, 'etcd'),
        '--listen-client-urls', `http://127.0.0.1:${this.etcdPort}`,
        '--advertise-client-urls', `http://127.0.0.1:${this.etcdPort}`,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `default=http://127.0.0.1:${peerPort}`,
      ],
      { stdio: 'ignore' },
    );
    await this.startApiServer();
  }

  async startApiServer(): Promise<void> {
    this.apiserver = spawn(
      join(assetsDir!, 'kube-apiserver'),
      [
        `--etcd-servers=http://127.0.0.1:${this.etcdPort}`,
        `--cert-dir=${join(this.dir, 'apiserver-certs')}`,
        `--secure-port=${this.apiPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://localhost',
        `--service-account-key-file=${join(this.dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
        '--authorization-mode=RBAC',
        `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
        '--disable-admission-plugins=ServiceAccount',
      ],
      { stdio: 'ignore' },
    );
    await waitFor('the API server', async () => (await apiGet(this.apiPort, '/readyz')) === 200, 60_000);
  }

  async stopApiServer(): Promise<void> {
    const p = this.apiserver;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.on('exit', r));
    p.kill('SIGTERM');
    await exited;
  }

  kubectl(args: string[], input?: string): KubectlResult {
    const r = spawnSync(join(assetsDir!, 'kubectl'), ['--kubeconfig', this.kubeconfig, ...args], { input, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /**
   * The API server's Kubernetes version (v1.x.y), for rendering the chart as helm install would: from /version,
   * or, for a binary built without version stamps (/version says v0.0.0-master), from its --version.
   */
  kubernetesVersion(): string {
    const served = JSON.parse(this.must(['get', '--raw', '/version'])).gitVersion as string;
    if (/^v1\.\d+\.\d+/.test(served)) return served;
    const r = spawnSync(join(assetsDir!, 'kube-apiserver'), ['--version'], { encoding: 'utf8' });
    const m = /v1\.\d+\.\d+/.exec(r.stdout);
    if (!m) throw new Error(`cannot tell the API server's version: /version says ${served}, --version says ${r.stdout.trim()}`);
    return m[0];
  }

  /** kubectl that must succeed. */
  must(args: string[], input?: string): string {
    const r = this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  async stop(): Promise<void> {
    await this.stopApiServer();
    this.etcd?.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The optional Node UPDATE webhook registered by URL, as the chart registers it (warnings only, Ignore, 2 s):
 * the e2e test and the node-update benchmark use the same configuration.
 */
export function nodeWarningWebhookConfiguration(port: number, ca: string) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'egress-gateway-webhook' },
    webhooks: [
      {
        name: 'warn-node.egress-gateway.network.deckhouse.io',
        clientConfig: { url: `https://127.0.0.1:${port}/warn-node`, caBundle: Buffer.from(ca).toString('base64') },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['nodes'], scope: 'Cluster' }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy: 'Ignore',
        timeoutSeconds: 2,
      },
    ],
  };
}
