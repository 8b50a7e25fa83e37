import type { Logger } from 'pino';
import { getPath, isPlainObject, stringAt } from '../rules/values.js';
import type { ReflectorHandlers, ReflectorSource, ListPage } from './reflector.js';

// The CiliumEgressGatewayPolicy CRD the cluster has: the platform renders every EgressGatewayPolicy into one of
// those objects, and whatever that CRD's schema refuses breaks the render. Read from a live watch or a state dump.

export const ciliumPolicyCRDName = 'ciliumegressgatewaypolicies.cilium.io';
/** The version the platform renders (apiVersion cilium.io/v2). */
const renderedVersion = 'v2';

export interface InstalledSchema {
  /** cluster: watched live; file: from a --cluster-state dump; bundled: the project's copy (no CRD known). */
  origin: 'cluster' | 'file' | 'bundled';
  resourceVersion: string;
  /** The served v2 version's openAPIV3Schema, as the API server holds it (raw JSON, not a typed model). */
  openAPIV3Schema: Record<string, unknown>;
}

/** The schema of a CRD object, when it is the CiliumEgressGatewayPolicy CRD and serves v2 with a schema. */
export function schemaFromCRD(obj: unknown, origin: InstalledSchema['origin']): InstalledSchema | undefined {
  if (stringAt(obj, 'metadata', 'name') !== ciliumPolicyCRDName) return undefined;
  const versions = getPath(obj, 'spec', 'versions');
  if (!Array.isArray(versions)) return undefined;
  const served = versions.find((v) => isPlainObject(v) && v['name'] === renderedVersion && v['served'] === true);
  const schema = getPath(served, 'schema', 'openAPIV3Schema');
  if (!isPlainObject(schema)) return undefined;
  return { origin, resourceVersion: stringAt(obj, 'metadata', 'resourceVersion') ?? '', openAPIV3Schema: schema };
}

/** Where the schema of a state comes from, for the one log line that says which is in use. */
export function describeSchema(s: InstalledSchema | undefined): string {
  if (!s || s.origin === 'bundled') return 'bundled: Cilium 1.17, as Deckhouse ships it';
  return `CRD ${ciliumPolicyCRDName} (resourceVersion ${s.resourceVersion || 'unknown'}) from the ${s.origin === 'file' ? 'cluster state file' : 'cluster'}`;
}

/**
 * List+watch of that one CRD by name (RBAC can then grant it by resourceNames). Raw JSON through the custom-objects
 * path: the typed client would rename schema keywords (x-kubernetes-*, enum, default) into model fields.
 */
export function ciliumCRDSource(list: (fieldSelector: string, limit: number, token: string | undefined) => Promise<unknown>): ReflectorSource {
  const fieldSelector = `metadata.name=${ciliumPolicyCRDName}`;
  return {
    watchPath: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    fieldSelector,
    list: (limit, token) => list(fieldSelector, limit, token) as Promise<ListPage>,
  };
}

/** Keeps the state's schema in step with the CRD, logging once per change which schema the render check uses. */
export function ciliumCRDHandlers(
  state: { ciliumPolicySchema(): InstalledSchema | undefined; setCiliumPolicySchema(s: InstalledSchema | undefined): void },
  logger: Logger,
): Omit<ReflectorHandlers, 'synced'> {
  return {
    upsert: (obj) => {
      const next = schemaFromCRD(obj, 'cluster');
      const current = state.ciliumPolicySchema();
      // Same version again (a relist): keep the object, and with it the compiled validator.
      if (next && current && next.resourceVersion === current.resourceVersion) return;
      state.setCiliumPolicySchema(next);
      logger.info({ ciliumPolicySchema: describeSchema(next) }, 'render check uses this CiliumEgressGatewayPolicy schema');
    },
    remove: () => {
      state.setCiliumPolicySchema(undefined);
      logger.info({ ciliumPolicySchema: describeSchema(undefined) }, 'render check uses this CiliumEgressGatewayPolicy schema');
    },
  };
}
