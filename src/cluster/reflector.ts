import type { Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { getPath, stringAt } from '../rules/values.js';
import { describeError, statusCodeOf } from './api-errors.js';
import { Backoff } from './backoff.js';

// List, then watch from the list's resourceVersion; on 410 Gone relist, on a closed stream resume, on any
// other failure back off and retry. Only keys are kept here: each object is reduced by the handler as it
// arrives, so a 100 KB Node never stays in memory. A relist is applied in one synchronous step after its last
// page, so no review ever sees half of an old list and half of a new one.

export interface ListPage {
  items: unknown[];
  /** Typed lists (V1ListMeta) spell the token `_continue`; raw custom-object lists spell it `continue`. */
  metadata?: { resourceVersion?: string; continue?: string; _continue?: string };
}

export interface ReflectorSource {
  /** One page of the list; `continueToken` is the previous page's metadata.continue. */
  list(limit: number, continueToken: string | undefined): Promise<ListPage>;
  /** API path to watch, e.g. /api/v1/nodes. */
  watchPath: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per page of the list (default 500). */
  pageSize?: number;
}

export interface ReflectorHandlers<S = unknown> {
  /** What is kept of an object (undefined: nothing; such an object counts as absent). */
  reduce(object: unknown): S | undefined;
  upsert(summary: S): void;
  remove(key: string): void;
  /** The first complete list has arrived (called once). */
  synced(): void;
}

export interface ReflectorOptions<S> {
  kind: string;
  source: ReflectorSource;
  watch: Pick<Watch, 'watch'>;
  handlers: ReflectorHandlers<S>;
  logger: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const keyOf = (obj: unknown) => {
  const ns = stringAt(obj, 'metadata', 'namespace');
  const name = stringAt(obj, 'metadata', 'name') ?? '';
  return ns ? `${ns}/${name}` : name;
};

export class Reflector<S = unknown> {
  private readonly known = new Set<string>();
  private resourceVersion = '';
  private stopped = false;
  private everSynced = false;
  private failing = false;
  private readonly backoff: Backoff;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  /** Counts of what happened, for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, gone: 0, failures: 0 };

  constructor(private readonly opts: ReflectorOptions<S>) {
    this.backoff = new Backoff(opts.minBackoffMs, opts.maxBackoffMs);
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) {
          await this.relist();
          this.recovered();
        }
        const started = Date.now();
        const ended = await this.watchOnce();
        if (ended === 'gone') {
          this.stats.gone++;
          this.opts.logger.info({ kind: this.opts.kind }, 'watch expired (410 Gone); relisting');
          this.resourceVersion = '';
        } else if (Date.now() - started < 1000) {
          // A stream that ends at once, again and again, must not become a busy loop.
          await this.sleep(this.backoff.next());
        }
      } catch (err) {
        if (this.stopped) return;
        if (statusCodeOf(err) === 410) {
          this.stats.gone++;
          this.resourceVersion = '';
          continue;
        }
        this.failed(err);
        await this.sleep(this.backoff.next());
      }
    }
  }

  private async relist(): Promise<void> {
    const { handlers } = this.opts;
    const listed = new Map<string, S | undefined>();
    let token: string | undefined;
    let rv = '';
    do {
      const page = await this.opts.source.list(this.opts.source.pageSize ?? 500, token);
      for (const item of page.items) listed.set(keyOf(item), handlers.reduce(item));
      token = page.metadata?.continue || page.metadata?._continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (token);
    // From here to the end nothing awaits: the new list replaces the old one at once.
    for (const [key, summary] of listed) {
      if (summary === undefined) handlers.remove(key);
      else handlers.upsert(summary);
    }
    // Whatever vanished while nobody was watching.
    for (const key of this.known) if (!listed.has(key)) handlers.remove(key);
    this.known.clear();
    for (const key of listed.keys()) this.known.add(key);
    this.resourceVersion = rv;
    this.stats.lists++;
    if (!this.everSynced) {
      this.everSynced = true;
      this.opts.handlers.synced();
    }
  }

  /** Resolves when the stream ends: 'closed' (resume from the last version) or 'gone' (relist). */
  private async watchOnce(): Promise<'closed' | 'gone'> {
    let gone = false;
    // The server ends the watch after 5-6 minutes (as client-go asks), so a silently dead stream cannot hang forever.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 60);
    const params: Record<string, string | boolean | number> = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
    if (this.opts.source.labelSelector) params['labelSelector'] = this.opts.source.labelSelector;
    if (this.opts.source.fieldSelector) params['fieldSelector'] = this.opts.source.fieldSelector;
    this.stats.watches++;
    const done = new Promise<Error | null>((resolve) => {
      this.opts.watch
        .watch(
          this.opts.source.watchPath,
          params,
          (type: string, obj: unknown) => {
            if (type === 'ERROR') {
              if (getPath(obj, 'code') === 410) gone = true;
              return;
            }
            const key = keyOf(obj);
            if (type === 'ADDED' || type === 'MODIFIED') {
              this.known.add(key);
              const summary = this.opts.handlers.reduce(obj);
              if (summary === undefined) this.opts.handlers.remove(key);
              else this.opts.handlers.upsert(summary);
            } else if (type === 'DELETED') {
              this.known.delete(key);
              this.opts.handlers.remove(key);
            }
            const rv = stringAt(obj, 'metadata', 'resourceVersion');
            if (rv) this.resourceVersion = rv;
            this.recovered();
          },
          (err: unknown) => resolve((err as Error | null) ?? null),
        )
        .then((controller) => {
          this.abort = controller;
          if (this.stopped) controller.abort();
        }, (err: unknown) => resolve(err as Error));
    });
    const err = await done;
    this.abort = undefined;
    if (gone) return 'gone';
    // The client's own inactivity timeout: resume at once, the quiet period was the throttle.
    if (err && err.name !== 'TimeoutError' && err.name !== 'AbortError') throw err;
    return 'closed';
  }

  private failed(err: unknown): void {
    this.stats.failures++;
    const detail = { kind: this.opts.kind, err: describeError(err), retryInMs: Math.round(this.backoff.peek()) };
    // Once per incident at warn; the retries of the same incident only at debug.
    if (!this.failing) this.opts.logger.warn(detail, 'watch failed; retrying with backoff');
    else this.opts.logger.debug(detail, 'watch still failing');
    this.failing = true;
  }

  private recovered(): void {
    this.backoff.reset();
    if (!this.failing) return;
    this.failing = false;
    this.opts.logger.info({ kind: this.opts.kind }, 'watch recovered');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
