// The in-process cost of one review, per entry of the bench mix (kind and verdict): no socket, no TLS, no HTTP.
// Three figures each: the decision alone (rules, defaults); the handler (envelope, decision, metrics, and the log
// line at info through the service's logger to /dev/null, written before the call returns: what runs between the
// parsed body and the answer object); and the handler with the body's JSON.parse (after the nesting check, and the
// mark of null-free objects, as the route parses it) and the answer's JSON.stringify.
// Every figure is CPU time per review, the median of `rounds` rounds with the spread (min-max) of the rounds.
// Run alone: npm run bench:handler; npm run bench prints the same table.
import { markNullFreeFromText, mutateRequest, validateRequest } from '../../src/admission/admit.js';
import { jsonNestingExceeds, maxNesting, parseReview } from '../../src/admission/envelope.js';
import { deckhouseAgents } from '../../src/cluster/agents.js';
import { loadStateFiles } from '../../src/cluster/file-state.js';
import { defaultRulesConfig } from '../../src/resources/config.js';
import { serviceLogger } from '../../src/server/logger.js';
import { WebhookMetrics } from '../../src/server/metrics.js';
import { reviewHandler } from '../../src/server/review-handler.js';
import { mix } from './mix.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export const spreadOf = (xs: readonly number[]): Spread => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s[s.length - 1]! };
};

export interface HandlerRow {
  label: string;
  decideUs: Spread;
  handlerUs: Spread;
  withJsonUs: Spread;
}

export interface HandlerResult {
  rows: HandlerRow[];
  /** Mean over the four entries each timed alone (the mix is sent in equal parts), per round, then median and spread. */
  mix: { decideUs: Spread; handlerUs: Spread; withJsonUs: Spread };
  /** The four entries in turn, as a server gets them: the code meets every kind's objects, not one kind's. */
  interleaved: { decideUs: Spread; handlerUs: Spread; withJsonUs: Spread };
  rounds: number;
  perRound: number;
}

export async function measureHandler(stateFile: string, rounds = 7, perRound = 20_000): Promise<HandlerResult> {
  const state = await loadStateFiles([stateFile], deckhouseAgents);
  const deps = { state, config: defaultRulesConfig };
  const log = serviceLogger('info', '/dev/null');
  const metrics = new WebhookMetrics();
  const handlers = {
    '/validate': reviewHandler((r) => validateRequest(r, deps), 'validate', log, metrics),
    '/mutate': reviewHandler((r) => mutateRequest(r, deps), 'mutate', log, metrics),
  };
  const decides = { '/validate': validateRequest, '/mutate': mutateRequest };
  const variants = mix.map((entry) => {
    const body = JSON.parse(entry.body) as unknown;
    // As the route's body parser does, once per parsed body.
    markNullFreeFromText(entry.body, body);
    const parsed = parseReview(body);
    if (!parsed.ok) throw new Error(parsed.message);
    const request = parsed.request;
    const decide = decides[entry.path];
    const handle = handlers[entry.path];
    return {
      label: entry.label,
      decide: async () => decide(request, deps),
      handler: async () => handle(body),
      withJson: async () => {
        if (jsonNestingExceeds(entry.body, maxNesting)) throw new Error('too deep');
        const fresh = JSON.parse(entry.body) as unknown;
        markNullFreeFromText(entry.body, fresh);
        return JSON.stringify((await handle(fresh)).body);
      },
    };
  });
  // CPU time of the process (user + system, GC threads included), not wall time: on a machine shared with other
  // work the time this process waits for a core is not its cost.
  const time = async (fn: () => Promise<unknown>) => {
    const start = process.cpuUsage();
    for (let i = 0; i < perRound; i++) await fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / perRound;
  };
  // Warm-up: V8 optimises the whole path, as in a webhook that has been up for a while.
  for (const v of variants) for (const fn of [v.decide, v.handler, v.withJson]) await time(fn);
  const inTurn = (pick: (v: (typeof variants)[number]) => () => Promise<unknown>) => {
    let i = 0;
    return () => pick(variants[i++ & 3]!)();
  };
  const interleavedFns = { decide: inTurn((v) => v.decide), handler: inTurn((v) => v.handler), withJson: inTurn((v) => v.withJson) };
  const interleaved = { decide: [] as number[], handler: [] as number[], withJson: [] as number[] };
  const samples = variants.map(() => ({ decide: [] as number[], handler: [] as number[], withJson: [] as number[] }));
  // Rounds interleave the entries and the variants, so a slow moment of the machine is shared by all.
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of variants.entries()) {
      samples[i]!.decide.push(await time(v.decide));
      samples[i]!.handler.push(await time(v.handler));
      samples[i]!.withJson.push(await time(v.withJson));
    }
    for (const k of ['decide', 'handler', 'withJson'] as const) interleaved[k].push(await time(interleavedFns[k]));
  }
  const meanOver = (pick: (s: (typeof samples)[number]) => number[]) =>
    spreadOf(Array.from({ length: rounds }, (_, r) => samples.reduce((sum, s) => sum + pick(s)[r]!, 0) / samples.length));
  return {
    rows: variants.map((v, i) => ({ label: v.label, decideUs: spreadOf(samples[i]!.decide), handlerUs: spreadOf(samples[i]!.handler), withJsonUs: spreadOf(samples[i]!.withJson) })),
    mix: { decideUs: meanOver((s) => s.decide), handlerUs: meanOver((s) => s.handler), withJsonUs: meanOver((s) => s.withJson) },
    interleaved: { decideUs: spreadOf(interleaved.decide), handlerUs: spreadOf(interleaved.handler), withJsonUs: spreadOf(interleaved.withJson) },
    rounds,
    perRound,
  };
}

export const us = (s: Spread) => `${s.median.toFixed(2)} µs (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;

export function handlerTable(r: HandlerResult): string[] {
  return [
    `| in process, CPU per review (median of ${r.rounds} rounds of ${r.perRound}, min-max) | decision | handler: envelope, decision, metrics, log | handler with JSON parse and stringify |`,
    '| --- | --- | --- | --- |',
    ...r.rows.map((row) => `| ${row.label} | ${us(row.decideUs)} | ${us(row.handlerUs)} | ${us(row.withJsonUs)} |`),
    `| mean of the four, each timed alone | ${us(r.mix.decideUs)} | ${us(r.mix.handlerUs)} | ${us(r.mix.withJsonUs)} |`,
    `| **the mix, the four in turn** | ${us(r.interleaved.decideUs)} | **${us(r.interleaved.handlerUs)}** | ${us(r.interleaved.withJsonUs)} |`,
  ];
}

// Alone: node dist/test/bench/handler.js [state file]
if (process.argv[1]?.endsWith('handler.js')) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { writeClusterState } = await import('./state.js');
  const file = process.argv[2] ?? writeClusterState(mkdtempSync(join(tmpdir(), 'egw-handler-')), 10);
  console.log(`Node ${process.version}`);
  console.log(handlerTable(await measureHandler(file, Number(process.env['BENCH_ROUNDS'] ?? 7))).join('\n'));
}
