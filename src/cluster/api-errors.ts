// Failed calls to the API server (client-node's ApiException), read one way everywhere.

/** The HTTP status of a failed API call, or undefined for other errors. */
export function statusCodeOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; code?: number | string } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

/** One short line: client-node's ApiException carries the whole response, headers included. */
export function describeError(err: unknown): string {
  const code = statusCodeOf(err);
  if (code === undefined) return (err as Error)?.message ?? String(err);
  const body = (err as { body?: unknown }).body;
  const message = typeof body === 'object' && body !== null ? (body as { message?: string }).message : typeof body === 'string' ? body : undefined;
  const hint = code === 404 ? ' (is the CustomResourceDefinition installed?)' : code === 401 || code === 403 ? ' (check the RBAC of the service account)' : '';
  return `HTTP ${code}${message ? `: ${String(message).trim().slice(0, 200)}` : ''}${hint}`;
}
