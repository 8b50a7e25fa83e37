#!/usr/bin/env node
import { basename } from 'node:path';
import { UsageError } from './flags.js';
import { didYouMean } from '../rules/suggest.js';
import { packageVersion } from '../server/version.js';

// The entry point. Each command's module is imported only when that command runs, so `validate` never loads
// the HTTPS server or the Kubernetes client, and `serve` loads the client only when it talks to a cluster.

// Under kubectl (the kubectl-egress plugin) the user typed `kubectl egress`: hints name what they typed.
const program = /^kubectl-egress(\.js)?$/.test(basename(process.argv[1] ?? '')) ? 'kubectl egress' : 'egress-gateway-webhook';

// Node 20 reached its end of life in April 2026; what is tested is 22 and the LTS the image ships.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 22) process.stderr.write(`warning: Node.js ${process.version} is not supported; use Node.js 22 or newer\n`);

interface Command {
  summary: string;
  usage(): Promise<string>;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  serve: {
    summary: 'run the HTTPS admission webhook (POST /validate, POST /mutate, POST /warn-node)',
    usage: async () => (await import('./serve-options.js')).serveUsage,
    async run(args) {
      const { parseServeOptions } = await import('./serve-options.js');
      const opts = parseServeOptions(args);
      const { serve } = await import('../server/serve.js');
      await serve(opts);
      return -1; // keeps running until a signal
    },
  },
  validate: {
    summary: 'check manifests offline with the same rules (for CI pipelines)',
    usage: async () => (await import('./validate-command.js')).validateUsage,
    async run(args) {
      const { validateCommand } = await import('./validate-command.js');
      return validateCommand(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    },
  },
  audit: {
    summary: 'check the objects stored in a cluster (or a dump of one) with the same rules, for a CI job or a cron',
    usage: async () => (await import('./audit-command.js')).auditUsage,
    async run(args) {
      const { auditCommand } = await import('./audit-command.js');
      return auditCommand(args, { stdout: process.stdout });
    },
  },
  explain: {
    summary: 'which nodes serve a gateway, what the platform renders, and what a drain would break',
    usage: async () => (await import('./explain-command.js')).explainUsage,
    async run(args) {
      const { explainCommand } = await import('./explain-command.js');
      return explainCommand(args, { stdout: process.stdout, stderr: process.stderr });
    },
  },
  certs: {
    summary: "write a CA and serving certificate for the webhook's Service, print the caBundle",
    usage: async () => (await import('./certs-command.js')).certsUsage,
    async run(args) {
      const { certsCommand } = await import('./certs-command.js');
      return certsCommand(args, process.stdout);
    },
  },
};

const usage = `Usage: ${program} <command> [flags]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`)
  .join('\n')}
  help      print this, or a command's flags: help <command>
  version   print the version (also --version)

Run "${program} help <command>" (or "${program} <command> --help") for its flags.
`;

function unknownCommand(name: string): UsageError {
  const hint = didYouMean(name, [...Object.keys(commands), 'help', 'version']);
  return new UsageError(`unknown command ${JSON.stringify(name)}${hint ? `; ${hint}` : ''}`);
}

/** The command a usage error belongs to, for the one-line hint after it. */
let current: string | undefined;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage);
    return 2;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(usage);
    return 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${program} ${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined || topic === 'help' || topic === 'version' || topic === '--help' || topic === '-h') {
      process.stdout.write(usage);
      return 0;
    }
    const command = commands[topic];
    if (!command) throw unknownCommand(topic);
    process.stdout.write(await command.usage());
    return 0;
  }
  const command = commands[name];
  if (!command) throw unknownCommand(name);
  current = name;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(await command.usage());
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      const more = current ? `help ${current}` : 'help';
      process.stderr.write(`error: ${err.message}\nRun "${program} ${more}" for usage.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`error: ${(err as Error).message}\n`);
    // A server that failed half-way may hold listeners or timers: leave now, with the failure.
    process.exit(1);
  },
);
