import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

// Apart from kubeconfig.ts so that serve can check before it loads the Kubernetes client (0.4 s, 70 MB).

/**
 * Why no cluster can be reached, in the words of the flags, or undefined when a kubeconfig (or the pod's service
 * account) is there. `lead` says what wanted the cluster: "--live: no cluster to watch" for serve.
 */
export function kubeconfigProblem(path: string | undefined, lead: string, hint: string): string | undefined {
  if (path) return existsSync(path) ? undefined : `--kubeconfig ${path}: no such file`;
  const inCluster = process.env['KUBERNETES_SERVICE_HOST'] && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  if (inCluster) return undefined;
  const fromEnv = (process.env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  if (fromEnv.some((p) => existsSync(p))) return undefined;
  const home = homeKubeconfig();
  if (fromEnv.length === 0 && existsSync(home)) return undefined;
  const tried = [
    'not in a pod (KUBERNETES_SERVICE_HOST or the service account token is missing)',
    fromEnv.length > 0 ? `KUBECONFIG names no existing file (${fromEnv.join(delimiter)})` : `KUBECONFIG is unset and ${home} does not exist`,
  ];
  return `${lead}: ${tried.join('; ')}; ${hint}`;
}

/** Where client-node looks when KUBECONFIG is unset. */
export const homeKubeconfig = () => join(homedir(), '.kube', 'config');
