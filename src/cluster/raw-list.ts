import http from 'node:http';
import https from 'node:https';
import { pipeline, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import type { ListPage } from './reflector.js';

// One page of a core list (Nodes, Pods) as plain JSON. client-node's typed calls copy every object of a page into
// its model classes (a Node's 60 images and their names included) before the reflector keeps a few fields of
// it: at 50,000 Nodes of 17 KB that second copy made the first sync a quarter slower and its memory higher. The
// connection is client-node's own (KubeConfig.applyToHTTPSOptions: certificates, tokens, exec plugins, proxy,
// TLS server name), only the decoding is not.

/** Longest wait for one page; the reflector backs off and lists again after a failure. */
const pageTimeoutMs = 60_000;

/** GET `path` with these query parameters; resolves to the parsed list, rejects with client-node's ApiException on an HTTP error. */
export async function listPage(kc: KubeConfig, path: string, query: Record<string, string | number | undefined>): Promise<ListPage> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const opts: https.RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  opts.headers = { ...opts.headers, Accept: 'application/json', 'Accept-Encoding': 'gzip' };
  const get = url.protocol === 'http:' ? http.get : https.get;
  return new Promise((resolve, reject) => {
    const req = get(url, opts, (res) => {
      const chunks: Buffer[] = [];
      const collect = new Writable({
        write(chunk: Buffer, _encoding, next) {
          chunks.push(chunk);
          next();
        },
      });
      const done = (err: NodeJS.ErrnoException | null) => {
        if (err) {
          reject(new Error(`listing ${path}: ${err.message}`));
          return;
        }
        const text = Buffer.concat(chunks).toString('utf8');
        chunks.length = 0;
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) {
          reject(new ApiException(code, `HTTP ${code} listing ${path}`, parsedOr(text), flatHeaders(res.headers)));
          return;
        }
        try {
          resolve(JSON.parse(text) as ListPage);
        } catch (err) {
          reject(new Error(`listing ${path}: the answer is not JSON (${(err as Error).message})`));
        }
      };
      // pipeline, not pipe: a connection cut in the middle of the page must fail the list, gzip or not.
      if (res.headers['content-encoding'] === 'gzip') pipeline(res, createGunzip(), collect, done);
      else pipeline(res, collect, done);
    });
    req.setTimeout(pageTimeoutMs, () => req.destroy(new Error(`listing ${path} timed out after ${pageTimeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** The error body as a Status object when it is one (describeError reads its message), else the text. */
function parsedOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
