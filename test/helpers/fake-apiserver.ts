import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// A scripted stand-in for the API server's list and watch endpoints, on loopback, for unit tests of the cache.

export interface WatchStep {
  /** Answer the watch request with this HTTP status instead of a stream. */
  status?: number;
  events?: { type: string; object: unknown }[];
  /** After the events: end the response cleanly, cut the connection, or keep it open. */
  end: 'close' | 'destroy' | 'hang';
  /** With end 'hang': a live feed, given a sender for further events; it returns what stops it when the watch ends. */
  feed?: (send: (event: { type: string; object: unknown }) => void) => () => void;
}

export interface Recorded {
  path: string;
  query: Record<string, string>;
}

export class FakeApiServer {
  readonly requests: Recorded[] = [];
  /** Current list answer per path (key: path, or path?labelSelector=...). */
  readonly lists = new Map<string, { items: unknown[]; resourceVersion: string }>();
  /** Answers for the next full lists of a path, taken in order before `lists` (a relist sees the next one). */
  readonly nextLists = new Map<string, { items: unknown[]; resourceVersion: string }[]>();
  /** Scripted watch answers per path, taken in order; when none is left the watch stays open. */
  readonly watches = new Map<string, WatchStep[]>();
  /** Objects for GET by name: path → object, or an HTTP status. */
  readonly objects = new Map<string, unknown | number>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Stops listening and cuts every connection, as a crashed API server would. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  watchRequests(path: string): Recorded[] {
    return this.requests.filter((r) => r.path === path && r.query['watch'] === 'true');
  }

  listRequests(path: string): Recorded[] {
    return this.requests.filter((r) => r.path === path && r.query['watch'] !== 'true');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query });
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (query['watch'] === 'true') return this.watch(url.pathname, res);
    const object = this.objects.get(url.pathname);
    if (typeof object === 'number') return json(object, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: object, message: `status ${object}` });
    if (object !== undefined) return json(200, object);
    const key = query['labelSelector'] ? `${url.pathname}?labelSelector=${query['labelSelector']}` : url.pathname;
    const from = Number(query['continue'] ?? 0);
    if (from === 0 && this.nextLists.get(key)?.length) this.lists.set(key, this.nextLists.get(key)!.shift()!);
    const list = this.lists.get(key);
    if (!list) return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, message: 'not found' });
    // Paging: limit and an index as the continue token.
    const limit = Number(query['limit'] ?? list.items.length) || list.items.length;
    const items = list.items.slice(from, from + limit);
    const next = from + limit < list.items.length ? String(from + limit) : undefined;
    json(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: list.resourceVersion, ...(next ? { continue: next } : {}) }, items });
  }

  private watch(path: string, res: ServerResponse): void {
    const step = this.watches.get(path)?.shift() ?? { end: 'hang' as const };
    if (step.status) {
      res.writeHead(step.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: step.status }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    for (const e of step.events ?? []) res.write(`${JSON.stringify(e)}\n`);
    if (step.feed && step.end === 'hang') res.on('close', step.feed((e) => res.write(`${JSON.stringify(e)}\n`)));
    if (step.end === 'close') res.end();
    else if (step.end === 'destroy') setTimeout(() => res.socket?.destroy(), 20);
  }
}
