// A server under benchmark, alone in its process: `webhook` (this project, with its metrics and its log line
// per admission), `fastify` (a bare Fastify HTTPS route that parses the body and answers a fixed allow), or
// `raw` (node:https doing the same). Prints "READY <port>" once it listens.
// For npm run bench:gap, steps between the bare route and the webhook: `webhook-allow` (the webhook's server
// answering the bare route's fixed allow), `webhook-quiet` (the webhook with its logger off and no metrics), and
// `fastify-spin` (the bare route, spinning BENCH_SPIN_US microseconds of CPU per request first).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import Fastify from 'fastify';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { loadStateFiles } from '../../src/cluster/file-state.js';
import { defaultRulesConfig } from '../../src/resources/config.js';
import { buildApp, buildServer } from '../../src/server/app.js';
import { serviceLogger } from '../../src/server/logger.js';
import { WebhookMetrics } from '../../src/server/metrics.js';

const [mode, ...stateFiles] = process.argv.slice(2);
const tls = { key: readFileSync(process.env['BENCH_KEY']!, 'utf8'), cert: readFileSync(process.env['BENCH_CERT']!, 'utf8') };
const allow = (uid: unknown) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } });
const ready = (port: number) => process.stdout.write(`READY ${port}\n`);
// A clean exit on SIGTERM, so that node --cpu-prof (BENCH_SERVER_FLAGS, npm run bench:profile) writes its profile.
process.on('SIGTERM', () => process.exit(0));

type Body = { request?: { uid?: unknown } };
const listen = async (app: { listen(o: { host: string; port: number }): Promise<unknown>; server: { address(): unknown } }) => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  ready((app.server.address() as { port: number }).port);
};
if (mode === 'webhook' || mode === 'webhook-quiet') {
  // The log line per denial is part of the cost: the service's logger, written to /dev/null instead of a pipe
  // nobody reads.
  const quiet = mode === 'webhook-quiet';
  const logger = serviceLogger(quiet ? 'silent' : 'info', '/dev/null');
  const metrics = quiet ? undefined : new WebhookMetrics();
  const app = await buildApp({ tls, logger, state: await loadStateFiles(stateFiles, deckhouseAgents), config: defaultRulesConfig, metrics });
  await listen(app);
} else if (mode === 'webhook-allow') {
  const app = buildServer({ tls, logger: serviceLogger('info', '/dev/null'), metrics: new WebhookMetrics() });
  for (const path of ['/validate', '/mutate']) app.post(path, async (req, reply) => reply.type('application/json').send(allow((req.body as Body).request?.uid)));
  await listen(app);
} else if (mode === 'fastify') {
  const app = Fastify({ https: tls, bodyLimit: 3 * 1024 * 1024 });
  app.post('/*', async (req, reply) => reply.type('application/json').send(allow((req.body as Body).request?.uid)));
  await listen(app);
} else if (mode === 'fastify-spin') {
  const spinMs = Number(process.env['BENCH_SPIN_US'] ?? 15) / 1000;
  const app = Fastify({ https: tls, bodyLimit: 3 * 1024 * 1024 });
  app.post('/*', async (req, reply) => {
    const end = performance.now() + spinMs;
    while (performance.now() < end);
    return reply.type('application/json').send(allow((req.body as Body).request?.uid));
  });
  await listen(app);
} else if (mode === 'raw') {
  const server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(allow(body.request?.uid));
    });
  });
  server.listen(0, '127.0.0.1', () => ready((server.address() as { port: number }).port));
} else {
  throw new Error(`unknown mode ${mode}`);
}
