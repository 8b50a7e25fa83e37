import { KubeConfig } from '@kubernetes/client-node';

/** A kubeconfig file when given; else KUBECONFIG, ~/.kube/config, or the pod's service account in a cluster. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster configured: pass --kubeconfig or run in a cluster');
  return kc;
}
