import { fileURLToPath } from 'node:url';

/** The shipped example cluster state: the default of `serve`, and `validate --example-cluster-state`. */
export const exampleClusterState = fileURLToPath(new URL('../../../examples/cluster-state.yaml', import.meta.url));
