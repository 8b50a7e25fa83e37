import { exampleClusterState } from './paths.js';
import { readInputs, skippedDirectories } from './inputs.js';
import { countsOf, type OutputFormat, outputFormats, render } from './report.js';
import { oneOf, parseFlags, UsageError } from './flags.js';
import { agentSelectorsFrom, rulesConfigFrom, rulesFlagOptions, rulesFlagUsage } from './rules-flags.js';
import { ClusterStateError, type ValidationReport, validateManifests } from './validate.js';

export const validateUsage = `Usage: egress-gateway-webhook validate -f FILE|DIR|- [-f ...] [flags]

Checks EgressGateway, EgressGatewayPolicy and CiliumEgressGatewayPolicy manifests with the webhook's rules,
before they reach a cluster, and what kubectl apply would refuse itself (a mistyped kind or apiVersion of
these kinds, a missing or invalid metadata.name, the same object twice). YAML is read as kubectl reads it
(YAML 1.1: yes, no, on, off are booleans). Each finding points at the line of its field.
Gateways in the input count as existing.
Exit code: 0 valid (warnings allowed), 1 invalid, 2 unreadable input or cluster state, no manifests found, or
a usage error.

  -f, --filename FILE|DIR|-         YAML or JSON manifests, repeatable; directories recursively (.yaml, .yml,
                                    .json; ${skippedDirectories.join(' and ')} are skipped); - is standard input
  --cluster-state FILE              a dump of the cluster (kubectl get nodes,pods,egressgateways,egressgatewaypolicies -A -o yaml),
                                    repeatable; without it, only the input is known and node checks are skipped
  --example-cluster-state           use the shipped examples/cluster-state.yaml as the cluster
  -o, --output FORMAT               text (default), json, github (workflow annotations), sarif (SARIF 2.1.0 for
                                    GitHub code scanning), junit (JUnit XML for CI test reports)
  --strict                          warnings count as errors: exit 1 when any resource has a warning, and JUnit
                                    reports warnings as failures (for pipelines that must stay warning-free)
  -h, --help                        print this
${rulesFlagUsage}`;

export const validateFlagOptions = {
  filename: { type: 'string', short: 'f', multiple: true },
  'cluster-state': { type: 'string', multiple: true },
  'example-cluster-state': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...rulesFlagOptions,
} as const;

export async function validateCommand(
  args: string[],
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const values = parseFlags(args, validateFlagOptions);
  if (values.help) {
    io.stdout.write(validateUsage);
    return 0;
  }
  const files = values.filename ?? [];
  if (files.length === 0) throw new UsageError('give at least one -f FILE, DIR or - (standard input)');
  const format = oneOf<OutputFormat>('--output', values.output, outputFormats, 'text');
  const clusterState = [...(values['example-cluster-state'] ? [exampleClusterState] : []), ...(values['cluster-state'] ?? [])];
  const rules = rulesConfigFrom(values);
  const agents = agentSelectorsFrom(values);

  const { files: inputs, problems } = await readInputs(files, io.stdin);
  let report: ValidationReport;
  try {
    report = await validateManifests(inputs, { clusterState, agents, rules });
  } catch (e) {
    if (!(e instanceof ClusterStateError)) throw e;
    io.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  const counts = countsOf(report, problems);
  if (counts.unreadable === 0 && report.resources.length === 0 && report.ignored === 0) {
    // An empty folder or a wrong path must not pass a pipeline as if everything were fine.
    io.stderr.write(`error: no manifests found in ${files.join(', ')} (${inputs.length === 1 ? '1 file' : `${inputs.length} files`} read: .yaml, .yml, .json)\n`);
    return 2;
  }
  io.stdout.write(render(format, report, problems, { strict: values.strict === true }));

  if (counts.unreadable > 0) return 2;
  if (counts.invalid > 0 || (values.strict && counts.withWarnings > 0)) return 1;
  return 0;
}
