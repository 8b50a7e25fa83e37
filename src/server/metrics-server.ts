import { createServer, type Server } from 'node:http';
import type { WebhookMetrics } from './metrics.js';
import { listenError } from './startup-checks.js';

/** /metrics on its own plain-HTTP listener: scrapers need no certificate, and admission stays HTTPS only. */
export async function startMetricsServer(metrics: WebhookMetrics, host: string, port: number, hostFlag = '--metrics-host'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics collection failed\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('only GET /metrics here\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, { port: '--metrics-port', host: hostFlag }, host, port)));
    server.listen(port, host, resolve);
  });
  return server;
}
