import { type Logger, pino } from 'pino';

/**
 * The service's logger: pino JSON lines, written synchronously, one write(2) per line. pino's default destination
 * hands each line to libuv's thread pool instead, which for this service's few lines (one per denial at info) costs
 * several system calls and thread wake-ups per line. A line is out before the call returns: a denial's line before
 * its answer, and none is lost if the process is killed outright. The price: a reader that stops reading standard
 * output stalls the service once the pipe is full (its probes then fail), where the asynchronous destination
 * would buffer without limit.
 */
export function serviceLogger(level: string, destination: number | string = 1): Logger {
  return pino({ level, base: { service: 'egress-gateway-webhook' } }, pino.destination({ dest: destination, sync: true }));
}
