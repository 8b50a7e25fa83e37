import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { fromRoot } from './paths.js';
import { layerTool } from './tools.js';

export const chartDir = fromRoot('charts/egress-gateway-webhook');

export function helm(args: string[]) {
  const r = spawnSync(layerTool('helm'), args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` of the chart with these --set values; the rendered objects, or the error. */
export function render(sets: string[] = [], namespace = 'd8-system'): { objects: any[]; yaml: string; error?: string } {
  const r = helm(['template', 'egw', chartDir, '-n', namespace, ...sets.flatMap((s) => ['--set', s])]);
  if (r.code !== 0) return { objects: [], yaml: '', error: r.stderr.trim() };
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS())
    .filter((o) => o);
  return { objects, yaml: r.stdout };
}

export const find = (objects: any[], kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
export const kinds = (objects: any[]) => objects.map((o) => o.kind).sort();
