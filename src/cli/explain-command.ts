import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { ClusterSnapshot } from '../cluster/snapshot.js';
import { type Explanation, explainGateway, explainNode, explainPolicy, NotFound, nodeNames, whatIf } from '../resources/explain.js';
import { explainText } from './explain-print.js';
import { oneOf, UsageError } from './flags.js';
import { didYouMean } from '../rules/suggest.js';
import { agentSelectorsFrom } from './rules-flags.js';
import { exampleClusterState } from './serve-options.js';

export const explainUsage = `Usage: egress-gateway-webhook explain gateway|policy|node NAME [flags]
       kubectl egress explain gateway|policy|node NAME [flags]

Explains where egress traffic leaves the cluster. For a gateway: the nodes its selector matches, each eligible or
not and why, the active node (predicted from how the platform elects it, and as its status says), the standby
nodes, and the CiliumEgressGatewayPolicy the platform renders for each policy that uses it. For a policy: its
gateway, the rendered object, and the destinations minus exclusions as the data path sees them. For a node: the
gateways it serves or stands by for.

With --without-node, answers as if those nodes were drained and lists, for every gateway that selects one of
them, whether it keeps a standby or loses egress and which policies that breaks.
Exit code: 0; 1 when a gateway would lose egress (or the cluster could not be read); 2 usage error or not found.

  --kubeconfig FILE            the cluster to read (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME               the kubeconfig context to use (default: its current context)
  --live                       read the cluster (the default without --cluster-state)
  --cluster-state FILE         read a dump instead (kubectl get nodes,pods,egressgateways,egressgatewaypolicies,
                               ciliumnodes -A -o yaml), repeatable
  --example-cluster-state      use the shipped examples/cluster-state.yaml
  --without-node NAME          what-if: as if this node were drained (repeatable)
  -o, --output text|json|yaml  output format (default text)
  --agents deckhouse|cilium    where the agents run (default deckhouse); --agents-namespace NS,
                               --cilium-agent-labels K=V,..., --egress-agent-labels K=V,... override it
`;

const subjects = ['gateway', 'policy', 'node'] as const;
type Subject = (typeof subjects)[number];
/** kubectl's resource names for the same subjects. */
const aliases: Record<string, Subject> = {
  gateway: 'gateway',
  egressgateway: 'gateway',
  egressgateways: 'gateway',
  policy: 'policy',
  egressgatewaypolicy: 'policy',
  egressgatewaypolicies: 'policy',
  node: 'node',
  nodes: 'node',
};

const options = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  live: { type: 'boolean' },
  'cluster-state': { type: 'string', multiple: true },
  'example-cluster-state': { type: 'boolean' },
  'without-node': { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
  agents: { type: 'string' },
  'agents-namespace': { type: 'string' },
  'cilium-agent-labels': { type: 'string' },
  'egress-agent-labels': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(args: string[]) {
  try {
    return parseArgs({ args, strict: true, allowPositionals: true, options });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function load(values: ReturnType<typeof parse>['values']): Promise<ClusterSnapshot> {
  const agents = agentSelectorsFrom(values);
  const files = [...(values['example-cluster-state'] ? [exampleClusterState] : []), ...(values['cluster-state'] ?? [])];
  if (files.length > 0) {
    if (values.live || values.kubeconfig !== undefined || values.context !== undefined) {
      throw new UsageError('--cluster-state reads a file: leave out --live, --kubeconfig and --context');
    }
    const { snapshotFromFiles } = await import('../cluster/snapshot.js');
    return snapshotFromFiles(files, agents);
  }
  // The Kubernetes client only when a cluster is read.
  const { loadKubeConfig } = await import('../cluster/kubeconfig.js');
  const { snapshotFromCluster } = await import('../cluster/live-snapshot.js');
  const kc = loadKubeConfig(values.kubeconfig, 'no cluster to read', 'pass --kubeconfig FILE, or --cluster-state FILE to explain from a dump of one', values.context);
  return snapshotFromCluster(kc, agents);
}

/** True when `short` is the start of `word` followed by more of its letters, in order (gw: gateway). */
function abbreviates(short: string, word: string): boolean {
  if (short[0] !== word[0]) return false;
  let at = 0;
  for (const c of short) {
    at = word.indexOf(c, at);
    if (at < 0) return false;
    at++;
  }
  return true;
}

export async function explainCommand(args: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout.write(explainUsage);
    return 0;
  }
  const [what, name, ...extra] = positionals;
  if (what === undefined || name === undefined) throw new UsageError('give what to explain and its name: explain gateway|policy|node NAME');
  const subject = aliases[what.toLowerCase()];
  if (!subject) {
    // Short words (gw, pol, nd) are further from the names than the edit distance allows: an abbreviation keeps
    // the first letter and some of the others in order.
    const start = subjects.filter((s) => what.length >= 2 && abbreviates(what.toLowerCase(), s));
    const hint = start.length === 1 ? `did you mean ${JSON.stringify(start[0])}?` : didYouMean(what.toLowerCase(), subjects);
    throw new UsageError(`cannot explain ${JSON.stringify(what)}: explain ${subjects.join('|')} NAME${hint ? `; ${hint}` : ''}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}: explain one ${subject} at a time`);
  const format = oneOf('--output', values.output, ['text', 'json', 'yaml'], 'text');

  const snap = await load(values);
  const drained = new Set(values['without-node'] ?? []);
  const known = new Set(nodeNames(snap));
  for (const n of drained) if (!known.has(n)) throw new UsageError(`--without-node: no node ${JSON.stringify(n)} in ${snap.source}`);

  let explanation: Explanation;
  try {
    explanation = subject === 'gateway' ? explainGateway(snap, name, drained) : subject === 'policy' ? explainPolicy(snap, name, drained) : explainNode(snap, name, drained);
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
    io.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  if (drained.size > 0) explanation.whatIf = whatIf(snap, drained);

  if (format === 'json') io.stdout.write(`${JSON.stringify(explanation, null, 2)}\n`);
  else if (format === 'yaml') io.stdout.write(stringify(explanation));
  else io.stdout.write(explainText(explanation));
  return explanation.whatIf?.losesEgress ? 1 : 0;
}
