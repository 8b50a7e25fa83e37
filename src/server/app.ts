import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Server as TlsServer } from 'node:tls';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type AdmitDeps, markNullFreeFromText, mutateRequest, validateRequest } from '../admission/admit.js';
import { jsonNestingExceeds, maxNesting } from '../admission/envelope.js';
import { warnNodeRequest } from '../admission/node-warnings.js';
import { afterNextTurn, togetherPerTurn } from '../admission/turns.js';
import type { Eventually } from '../rules/stages.js';
import { logged } from './admission-log.js';
import { awaitClientHello } from './hello-gate.js';
import type { WebhookMetrics } from './metrics.js';
import { type Decide, type ReviewAnswer, reviewHandler } from './review-handler.js';

// The HTTPS shell around the rules: parse the envelope, decide, answer, log one line.

export interface ServerLimits {
  /** Largest request body in bytes. */
  bodyLimit: number;
  /** An idle keep-alive connection is kept this long; longer than the API server's own idle timeout (90 s). */
  keepAliveTimeoutMs: number;
  /** The whole request must have arrived within this time. */
  requestTimeoutMs: number;
  /** The request headers must have arrived within this time (slow-loris clients are cut off). */
  headersTimeoutMs: number;
  /** The TLS handshake must be done within this time (a connection that never sends a hello is closed). */
  handshakeTimeoutMs: number;
  /** Open connections at most; further ones are closed at once, so idle sockets cannot exhaust memory. */
  maxConnections: number;
  /**
   * Bytes of request bodies being received at once, over all connections (at least bodyLimit). Without it,
   * connections that each send most of a 3 MiB body and then stall hold up to maxConnections times bodyLimit.
   */
  bodyBytesInFlight: number;
}

/** Bodies from this size on (characters) are parsed in a turn of the event loop of their own: a few ms of work. */
const largeBody = 256 * 1024;
/** The parsed bodies of such requests: their reviews are answered alone, not with the turn's others. */
const largeBodies = new WeakSet<object>();

export const defaultLimits: ServerLimits = {
  bodyLimit: 3 * 1024 * 1024,
  keepAliveTimeoutMs: 120_000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxConnections: 8_192,
  bodyBytesInFlight: 64 * 1024 * 1024,
};

/**
 * TLS 1.2 suites offered: ECDHE with AEAD ciphers only (no CBC, no SHA-1 MACs, no static RSA), what the API
 * server's Go client prefers anyway; TLS 1.3 keeps its own (all AEAD) suites.
 */
export const tlsCiphers = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface ServerOptions {
  tls: { key: string; cert: string };
  logger: Logger;
  limits?: Partial<ServerLimits>;
  metrics?: WebhookMetrics;
  /** Reasons the service is not ready yet; empty when ready. */
  notReadyReasons?: () => string[];
}

export interface AppOptions extends AdmitDeps, ServerOptions {}

interface HttpError {
  error: string;
  message: string;
}

/** Clear words for the errors fastify raises before a handler runs. */
function describe(err: FastifyError, bodyLimit: number): { code: number; body: HttpError } {
  const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  const body = (error: string, message: string) => ({ code, body: { error, message } });
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 413, body: { error: 'Payload Too Large', message: `request body is larger than the limit of ${bodyLimit} bytes` } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return body('Bad Request', 'request body is empty; send an AdmissionReview as JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 415, body: { error: 'Unsupported Media Type', message: 'Content-Type must be application/json' } };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return body('Bad Request', 'Content-Length does not match the body');
    case 'EGW_TOO_DEEP':
      return body('Bad Request', err.message);
    default:
      return body('Bad Request', `request body is not valid JSON: ${err.message}`);
  }
}

/** A 400 raised while reading the body, with the code `describe` words it by. */
function badBody(message: string, code: string): FastifyError {
  const err = new Error(message) as FastifyError;
  err.statusCode = 400;
  (err as { code: string }).code = code;
  return err;
}

/** JSON.parse into fastify's callback; a syntax error is a 400. */
function parseInto(text: string, done: (err: FastifyError | null, body: unknown) => void): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const err = e as FastifyError;
    err.statusCode = 400;
    return done(err, undefined);
  }
  // No `null` in the text but the envelope's own: the objects need no walk for nulls.
  markNullFreeFromText(text, value);
  done(null, value);
}

/**
 * The HTTPS server without its admission routes: TLS, limits, the body parser, the answers to bad requests and the
 * probes. `npm run bench:gap` measures it alone, answering a fixed allow.
 */
export function buildServer(opts: ServerOptions) {
  const limits = { ...defaultLimits, ...opts.limits };
  const { bodyLimit } = limits;
  const app = Fastify({
    // No logger for Fastify itself: the handlers log what an operator reads (a line per denial, per bad request,
    // per error) and serve logs the address. With a logger Fastify makes a child logger and puts two listeners on
    // the response of every request, even with its request lines off: about 4 µs of server CPU per review at full
    // speed (npm run bench:gap). What is lost are its own warnings about misuse of its API.
    bodyLimit,
    // Timeouts are enforced by a sweep; once a second keeps slow clients from holding sockets for long.
    https: {
      key: opts.tls.key,
      cert: opts.tls.cert,
      minVersion: 'TLSv1.2',
      ciphers: tlsCiphers,
      handshakeTimeout: limits.handshakeTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // A connection that finished its handshake but sends no request is idle: closed after the headers timeout
    // (Node's headersTimeout only starts with the first byte of a request). Once a request has been answered
    // the keep-alive timeout takes over.
    connectionTimeout: limits.headersTimeoutMs,
    // While shutting down, requests already on an open connection are still answered: a 503 would fail
    // the apply behind it (failurePolicy Fail).
    return503OnClosing: false,
    // Keys like "__proto__" stay ordinary data (as JSON.parse makes them) so the rules can reject them
    // with a field error; a 400 here would reach kubectl as an opaque webhook failure.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
  reserveLargeBodies(app.server as unknown as HttpServer, limits, opts);
  app.server.headersTimeout = limits.headersTimeoutMs;
  app.server.maxConnections = limits.maxConnections;
  awaitClientHello(app.server as unknown as TlsServer, limits.handshakeTimeoutMs);
  // JSON.parse takes a second on 3 MiB of "[[[[", and deep values overflow the stack of any recursive walk
  // (JSON.stringify included): bodies nested deeper than any AdmissionReview are refused before parsing.
  // Only JSON: fastify would also parse text/plain, which then fails as "not an AdmissionReview" (a 400)
  // where 415 says what is wrong.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text === '') return done(badBody('empty body', 'FST_ERR_CTP_EMPTY_JSON_BODY'), undefined);
    if (jsonNestingExceeds(text, maxNesting)) {
      return done(badBody(`request body is nested deeper than ${maxNesting} levels of arrays and objects`, 'EGW_TOO_DEEP'), undefined);
    }
    if (text.length < largeBody) return parseInto(text, done);
    // A large body: its scan, its parse and its review each in their own turn of the event loop (admission/pacing.ts).
    afterNextTurn(() =>
      parseInto(text, (err, value) => {
        if (typeof value === 'object' && value !== null) largeBodies.add(value);
        afterNextTurn(() => done(err, value));
      }),
    );
  });
  const log = opts.logger;
  const metrics = opts.metrics;

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.statusCode !== undefined && err.statusCode < 500) {
      const { code, body } = describe(err, bodyLimit);
      log.info({ path: logged(request.url), code, reason: body.message }, 'bad request');
      metrics?.badRequest(request.routeOptions.url, code);
      return reply.code(code).send(body);
    }
    // Not reachable by a request's content: handlers catch their own faults. Kept so nothing leaks a stack.
    log.error({ err, path: logged(request.url) }, 'unexpected server error');
    return reply.code(500).send({ error: 'Internal Server Error', message: 'unexpected error; see the webhook logs' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'Not Found', message: `no route ${request.method} ${logged(request.url)}; use POST /validate, POST /mutate or POST /warn-node` }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const reasons = opts.notReadyReasons?.() ?? [];
    if (reasons.length > 0) return reply.code(503).send({ status: 'not ready', reasons });
    return { status: 'ready' };
  });
  return app;
}

/**
 * Bodies up to this size are not counted against limits.bodyBytesInFlight: an open TLS connection already holds
 * more (about 60 KB), so --max-connections bounds them, and the review of a few KB the API server sends pays nothing.
 */
export const countedBodyFrom = 16 * 1024;

/**
 * Reserves the declared size of each larger body (its Content-Length; the body limit when it is sent in chunks) out
 * of limits.bodyBytesInFlight before it is read, and gives it back when the answer is done or the connection
 * closes. A request that does not fit gets 429 and its connection is closed. It wraps the server's request
 * listener instead of adding a Fastify hook: a hook, and a listener on every response, cost 3 to 5 µs of server
 * CPU per review at full speed.
 */
function reserveLargeBodies(server: HttpServer, limits: ServerLimits, opts: ServerOptions): void {
  const [handle, ...others] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (!handle || others.length > 0) throw new Error('expected one request listener, Fastify\'s');
  let free = limits.bodyBytesInFlight;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const length = req.headers['content-length'];
    const size = length !== undefined ? Number(length) : req.headers['transfer-encoding'] !== undefined ? limits.bodyLimit : 0;
    // Small, or refused unread by Fastify (over the limit, or a Content-Length that is not a number).
    if (!(size > countedBodyFrom && size <= limits.bodyLimit)) return handle(req, res);
    if (size > free) {
      // Counted at the length declared, not the bytes received so far: what the body may still take.
      const message = `request bodies in progress, counted at their declared length, exceed ${limits.bodyBytesInFlight} bytes in all; retry shortly`;
      const path = (req.url ?? '').split('?')[0]!;
      opts.logger.info({ path: logged(path), code: 429, reason: message }, 'bad request');
      opts.metrics?.badRequest(path, 429);
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1', connection: 'close' });
      res.end(JSON.stringify({ error: 'Too Many Requests', message }));
      return;
    }
    free -= size;
    res.once('close', () => {
      free += size;
    });
    handle(req, res);
  });
}

interface PendingReview {
  handle: (body: unknown, arrived: number) => Eventually<ReviewAnswer>;
  body: unknown;
  arrived: number;
  reply: FastifyReply;
}

export async function buildApp(opts: AppOptions) {
  const app = buildServer(opts);
  const log = opts.logger;
  const metrics = opts.metrics;
  /** Sends the answer, or hands a fault to fastify's error handler (logged, answered without a stack). */
  const deliver = (reply: FastifyReply, answer: ReviewAnswer | undefined, fault?: unknown) => {
    try {
      if (answer === undefined) reply.send(fault instanceof Error ? fault : new Error(String(fault)));
      else reply.code(answer.code).send(answer.body);
    } catch (err) {
      // Thrown from here, nothing would catch it and the process would exit. Not seen: fastify's send catches.
      log.error({ err, path: logged(reply.request.url) }, 'unexpected server error');
      reply.raw.destroy();
    }
  };
  // The reviews that arrived in one turn of the event loop are all decided, then all answered. Run back to back,
  // the rules' code and data stay in the CPU's caches, and the answers are written one after another while the
  // client reads them. At full speed this about halves the server's CPU per review (docs/benchmarks.md). A
  // review waits for the decisions of its turn's others, not for the slices of large reviews queued in its turn
  // (admission/turns.ts); a large review is answered alone, so the others never wait for its decision.
  const answerAll = (reviews: readonly PendingReview[]) => {
    const answers = reviews.map((r): Eventually<ReviewAnswer> => {
      try {
        return r.handle(r.body, r.arrived);
      } catch (err) {
        return Promise.reject(err);
      }
    });
    reviews.forEach(({ reply }, i) => {
      const answer = answers[i]!;
      if (answer instanceof Promise) answer.then((a) => deliver(reply, a), (err: unknown) => deliver(reply, undefined, err));
      else deliver(reply, answer);
    });
  };
  const answerTogether = togetherPerTurn(answerAll);
  const admission = (decide: Decide, endpoint: 'validate' | 'mutate' | 'warn-node') => {
    const handle = reviewHandler(decide, endpoint, log, metrics);
    // Returns nothing: the answer is sent by answerAll.
    return (request: FastifyRequest, reply: FastifyReply) => {
      const review = { handle, body: request.body, arrived: performance.now(), reply };
      if (largeBodies.has(request.body as object)) answerAll([review]);
      else answerTogether(review);
    };
  };

  app.post('/validate', admission((r) => validateRequest(r, opts), 'validate'));
  app.post('/mutate', admission((r) => mutateRequest(r, opts), 'mutate'));
  // The optional Node UPDATE webhook: warnings only, from memory (see admission/node-warnings.ts).
  app.post('/warn-node', admission((r) => warnNodeRequest(r, opts), 'warn-node'));
  return app;
}

export type WebhookApp = Awaited<ReturnType<typeof buildApp>>;
