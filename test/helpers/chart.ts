import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { fromRoot } from './paths.js';
import { layerTool } from './tools.js';

export const chartDir = fromRoot('charts/egress-gateway-webhook');
/** The one value without a usable default: the chart refuses to render without it. */
export const imageSet = 'image.repository=registry.example.com/egress-gateway-webhook';

export function helm(args: string[]) {
  const r = spawnSync(layerTool('helm'), args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/nonexistent' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  namespace?: string;
  /** --kube-version (helm's own default is its client library's, 1.35 for helm 4.1). */
  kubeVersion?: string;
  apiVersions?: string[];
  /** Leave out image.repository. */
  noImage?: boolean;
}

const setArgs = (sets: string[], noImage?: boolean) => [...(noImage ? [] : [imageSet]), ...sets].flatMap((s) => ['--set', s]);

/** `helm template` of the chart with these --set values; the rendered objects, or the error. */
export function render(sets: string[] = [], opts: RenderOptions = {}): { objects: any[]; yaml: string; error?: string } {
  const r = helm([
    'template', 'egw', chartDir, '-n', opts.namespace ?? 'd8-system', ...setArgs(sets, opts.noImage),
    ...(opts.kubeVersion ? ['--kube-version', opts.kubeVersion] : []),
    ...(opts.apiVersions ?? []).flatMap((a) => ['--api-versions', a]),
  ]);
  if (r.code !== 0) return { objects: [], yaml: '', error: r.stderr.trim() };
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS())
    .filter((o) => o);
  return { objects, yaml: r.stdout };
}

/** NOTES.txt as `helm install` prints it (a client-side dry run: no cluster, helm's default Kubernetes version). */
export function notes(sets: string[] = []): string {
  const r = helm(['install', 'egw', chartDir, '-n', 'd8-system', '--dry-run=client', ...setArgs(sets)]);
  if (r.code !== 0) throw new Error(r.stderr);
  const at = r.stdout.indexOf('\nNOTES:\n');
  if (at < 0) throw new Error(`no NOTES in ${r.stdout.slice(-500)}`);
  return r.stdout.slice(at + '\nNOTES:\n'.length);
}

export const find = (objects: any[], kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
export const kinds = (objects: any[]) => objects.map((o) => o.kind).sort();
/** Objects of `helm test` (hook: test), and the ones installed. */
export const isTestHook = (o: any) => o.metadata?.annotations?.['helm.sh/hook'] === 'test';
