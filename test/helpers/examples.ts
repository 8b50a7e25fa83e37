import { readFileSync } from 'node:fs';
import { type HttpResult, httpsRequest } from './https-client.js';
import { fromRoot } from './paths.js';

/** Sends examples/<name>.json to a running server and returns the answer and the documented one (<name>.response.json). */
export async function sendExample(baseUrl: string, ca: string, endpoint: '/validate' | '/mutate', name: string): Promise<{ res: HttpResult; documented: unknown }> {
  const res = await httpsRequest(`${baseUrl}${endpoint}`, { ca, body: readFileSync(fromRoot(`examples/${name}.json`)), headers: { 'content-type': 'application/json' } });
  return { res, documented: JSON.parse(readFileSync(fromRoot(`examples/${name}.response.json`), 'utf8')) };
}
