import { lookup as dnsLookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { kubeconfigProblem } from '../cluster/kubeconfig-problem.js';
import { pairProblem } from '../tls/serving-tls.js';
import type { ServeOptions } from './options.js';

// Startup fails early and says why: files and the cluster connection are checked before anything listens, each
// error names its flag and file, a busy port names the port, and SIGTERM/SIGINT stop the process in any phase.
// The Kubernetes client (about 0.4 s and 70 MB to load) is imported only when a cluster is watched or the
// certificate Secret is used.

const kubeconfigHint = 'pass --kubeconfig FILE, or --cluster-state FILE to run without a cluster';

/** Everything that can be checked before any work: files exist and parse, a cluster config exists. */
export async function preflight(opts: ServeOptions): Promise<{ tls?: { key: string; cert: string } }> {
  const needsCluster = opts.kubeconfig !== undefined || opts.tlsSecret !== undefined;
  if (needsCluster) {
    const lead = opts.kubeconfig === undefined && opts.tlsSecret ? '--tls-secret: no cluster to watch' : '--live: no cluster to watch';
    const problem = kubeconfigProblem(opts.kubeconfig || undefined, lead, kubeconfigHint);
    if (problem) throw new Error(problem);
  }
  if (opts.tlsCertFile && opts.tlsKeyFile) {
    const read = async (flag: string, path: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new Error(`${flag} ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
      }
    };
    const pair = { cert: await read('--tls-cert-file', opts.tlsCertFile), key: await read('--tls-key-file', opts.tlsKeyFile) };
    const problem = pairProblem(pair);
    if (problem) throw new Error(`--tls-cert-file ${opts.tlsCertFile} with --tls-key-file ${opts.tlsKeyFile}: ${problem}`);
    return { tls: pair };
  }
  return {};
}

/** listen(), with a busy or forbidden port, or a host that is not this machine's, said in the flags' words. */
export function listenError(err: unknown, flags: { port: string; host: string }, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new Error(`${flags.port} ${port}: address ${host}:${port} is already in use`);
  if (code === 'EACCES') return new Error(`${flags.port} ${port}: not allowed to listen on ${host}:${port} (ports below 1024 need privileges)`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new Error(`${flags.host} ${host}: not an address of this machine`);
  return new Error(`${flags.port} ${port}: cannot listen on ${host}:${port}: ${(err as Error).message}`);
}

/**
 * The address to give fastify's listen(). For the name "localhost" fastify serves each of its addresses through a
 * server of its own, and the extra ones would lack this server's limits, its connection gate and its certificate
 * renewals: the name's first address is served instead, as for any other name.
 */
export async function listenHost(host: string, lookup: (name: string) => Promise<{ address: string }> = (name) => dnsLookup(name)): Promise<string> {
  if (host !== 'localhost') return host;
  try {
    return (await lookup(host)).address;
  } catch {
    return host; // listen() then says what is wrong, in the flag's words
  }
}
