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
  const message = messageOf((err as { body?: unknown }).body);
  const hint = code === 404 ? ' (is the CustomResourceDefinition installed?)' : code === 401 || code === 403 ? ' (check the RBAC of the service account)' : '';
  return `HTTP ${code}${message ? `: ${message.trim().slice(0, 500)}` : ''}${hint}`;
}

/** The `message` of a Status body, whether client-node parsed it or left it as the response's text. */
function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') return (parsed as { message: string }).message;
    } catch {
      // Not JSON: the text itself.
    }
    return body;
  }
  if (typeof body === 'object' && body !== null) {
    const message = (body as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  }
  return undefined;
}
