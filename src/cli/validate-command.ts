import { exampleClusterState } from './serve-options.js';
import { readInputs } from './inputs.js';
import { countsOf, type OutputFormat, render } from './report.js';
import { oneOf, parseFlags, UsageError } from './flags.js';
import { agentSelectorsFrom, rulesConfigFrom, rulesFlagOptions, rulesFlagUsage } from './rules-flags.js';
import { validateManifests } from './validate.js';

export const validateUsage = `Usage: egress-gateway-webhook validate -f FILE|DIR|- [-f ...] [flags]

Checks EgressGateway, EgressGatewayPolicy and CiliumEgressGatewayPolicy manifests with the webhook's rules,
before they reach a cluster.
Gateways in the input count as existing. Exit code: 0 valid (warnings allowed), 1 invalid, 2 unreadable input
or usage error.

  -f, --filename FILE|DIR|-         YAML or JSON manifests; directories recursively (.yaml, .yml, .json); - is stdin
  --cluster-state FILE              a dump of the cluster (kubectl get nodes,pods,egressgateways,egressgatewaypolicies -A -o yaml),
                                    repeatable; without it, only the input is known and node checks are skipped
  --example-cluster-state           use the shipped examples/cluster-state.yaml as the cluster
  -o, --output text|json|github     output format (default text; github prints workflow annotations)
  --strict                          warnings count as errors
${rulesFlagUsage}`;

export async function validateCommand(args: string[], io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream }): Promise<number> {
  const values = parseFlags(args, {
    filename: { type: 'string', short: 'f', multiple: true },
    'cluster-state': { type: 'string', multiple: true },
    'example-cluster-state': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    strict: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...rulesFlagOptions,
  });
  if (values.help) {
    io.stdout.write(validateUsage);
    return 0;
  }
  const files = values.filename ?? [];
  if (files.length === 0) throw new UsageError('give at least one -f FILE, DIR or - (standard input)');
  const format = oneOf<OutputFormat>('--output', values.output, ['text', 'json', 'github'], 'text');
  const clusterState = [...(values['example-cluster-state'] ? [exampleClusterState] : []), ...(values['cluster-state'] ?? [])];

  const { files: inputs, problems } = await readInputs(files, io.stdin);
  const report = await validateManifests(inputs, { clusterState, agents: agentSelectorsFrom(values), rules: rulesConfigFrom(values) });
  io.stdout.write(render(format, report, problems));

  const counts = countsOf(report, problems);
  if (counts.unreadable > 0) return 2;
  if (counts.invalid > 0 || (values.strict && counts.withWarnings > 0)) return 1;
  return 0;
}
