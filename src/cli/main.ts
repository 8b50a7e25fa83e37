#!/usr/bin/env node
import { serve } from '../server/serve.js';
import { certsCommand, certsUsage } from './certs-command.js';
import { UsageError } from './flags.js';
import { parseServeOptions, serveUsage } from './serve-options.js';
import { validateCommand, validateUsage } from './validate-command.js';

const usage = `Usage: egress-gateway-webhook <command> [flags]

Commands:
  serve     run the HTTPS admission webhook (POST /validate, POST /mutate)
  validate  check manifests offline with the same rules (for CI pipelines)
  certs     write a CA and serving certificate for the webhook's Service, print the caBundle
  explain   which nodes serve a gateway, what the platform renders, and what a drain would break

Run "egress-gateway-webhook <command> --help" for its flags.
`;

let usageOnError = serveUsage;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage);
    return command === undefined ? 2 : 0;
  }
  if (command === 'serve') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(serveUsage);
      return 0;
    }
    await serve(parseServeOptions(rest));
    return -1; // keeps running until a signal
  }
  if (command === 'certs') {
    usageOnError = certsUsage;
    return certsCommand(rest, process.stdout);
  }
  if (command === 'validate') {
    usageOnError = validateUsage;
    return validateCommand(rest, { stdin: process.stdin, stdout: process.stdout });
  }
  if (command === 'explain') {
    const { explainCommand, explainUsage } = await import('./explain-command.js');
    usageOnError = explainUsage;
    return explainCommand(rest, { stdout: process.stdout, stderr: process.stderr });
  }
  process.stderr.write(`unknown command "${command}"\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`error: ${err.message}\n\n${usageOnError}`);
    else process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
