import { type Logger, pino } from 'pino';

/**
 * The service's logger: pino JSON lines, written synchronously, one write(2) per line. A line is out before the
 * call returns, so a denial's line is written before its answer is sent and no line is lost when the process is
 * killed. pino's default asynchronous destination hands every line to libuv's thread pool instead: for the few
 * lines this service writes (one per denial at info) that was about seven system calls and two thread wake-ups
 * per line, against one write. Node itself writes to files and pipes synchronously on Linux.
 */
export function serviceLogger(level: string, destination: number | string = 1): Logger {
  return pino({ level, base: { service: 'egress-gateway-webhook' } }, pino.destination({ dest: destination, sync: true }));
}
