import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { homeKubeconfig, kubeconfigProblem } from './kubeconfig-problem.js';

/**
 * A kubeconfig file when given; else KUBECONFIG, ~/.kube/config, or the pod's service account in a cluster. A
 * missing or unreadable file is an error naming it, not client-node's bare ENOENT or YAML message; `context`, when
 * given, must be one of the file's.
 */
export function loadKubeConfig(path?: string, lead = 'no cluster to read', hint = 'pass --kubeconfig FILE', context?: string): KubeConfig {
  const problem = kubeconfigProblem(path, lead, hint);
  if (problem) throw new Error(problem);
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (e) {
    // What client-node's default loading read: KUBECONFIG, else ~/.kube/config, else the pod's service account.
    const home = homeKubeconfig();
    const where = path
      ? `--kubeconfig ${path}`
      : process.env['KUBECONFIG']
        ? `kubeconfig ${process.env['KUBECONFIG']}`
        : existsSync(home)
          ? `kubeconfig ${home}`
          : "the pod's service account";
    throw new Error(`${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (context !== undefined) {
    if (!kc.getContextObject(context)) throw new Error(`--context: no context ${JSON.stringify(context)} in the kubeconfig (${kc.getContexts().map((c) => c.name).join(', ') || 'it has none'})`);
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster configured: pass --kubeconfig or run in a cluster');
  return kc;
}
