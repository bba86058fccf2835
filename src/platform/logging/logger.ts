import { writeSync } from 'node:fs';
import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../../config/app-config';

/** Log kept in memory for a reader that is not keeping up; lines beyond it are dropped. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/**
 * The JSON lines on stdout, written so that a slow, stalled or vanished reader never holds the
 * event loop or the exit:
 *
 * - `sync: false`: sonic-boom writes with `fs.write`, off the event loop. A full pipe (EAGAIN) is
 *   retried on a 100 ms timer; sonic-boom only sleeps the thread (`Atomics.wait`) in sync mode and
 *   in `flushSync`. `retryEAGAIN` keeps its default: were EAGAIN surfaced as an error, pino would
 *   drop the listener that silences the destination on EPIPE.
 * - `process.stdout.fd`: opening `process.stdout` makes a pipe or socket non-blocking (libuv), so
 *   a full pipe answers EAGAIN instead of parking a thread-pool thread in `write(2)`, a thread
 *   that `process.exit` would wait for.
 * - `maxLength`: what a stalled reader leaves unwritten is bounded; beyond it lines are dropped.
 * - EPIPE, the reader gone: pino turns the destination into a no-op, so lines are dropped.
 *
 * Each of these is told once on stderr. `close` must run before `process.exit`: pino flushes an
 * async destination with `flushSync` on exit, and sonic-boom 4's `flushSync` retries a failed
 * write every 100 ms for as long as it fails, EPIPE included, so a lost reader would hold the
 * process forever.
 */
export class StdoutLog {
  readonly destination = pino.destination({ dest: process.stdout.fd, sync: false, maxLength: MAX_BACKLOG_BYTES });
  private lost = false;
  private readonly told = new Set<string>();

  constructor() {
    this.destination.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') {
        this.lost = true;
        this.tellOnce('the reader of stdout is gone (EPIPE): log lines are dropped from now on');
      } else {
        this.tellOnce(`writing the log to stdout failed: ${error.message}`);
      }
    });
    this.destination.on('drop', () =>
      this.tellOnce(
        `the reader of stdout is not keeping up: lines beyond ${MAX_BACKLOG_BYTES >> 20} MiB of backlog are dropped`,
      ),
    );
  }

  /**
   * Lets the buffered lines reach a live reader for at most `withinMs`, then drops what is left
   * (`destroy`), which pino's exit-time `flushSync` then skips.
   */
  async close(withinMs: number): Promise<void> {
    if (!this.lost) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, withinMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        this.destination.once('close', done).once('error', done);
        this.destination.end();
      });
    }
    this.destination.destroy();
  }

  /**
   * One synchronous attempt: reading `process.stderr.fd` opens Node's stderr stream, which makes a
   * pipe non-blocking, so a full stderr fails at once. Not `process.stderr.write`: stderr may be
   * the same lost pipe, and its EPIPE would reach the process as an unhandled 'error'.
   */
  private tellOnce(message: string): void {
    if (this.told.has(message)) return;
    this.told.add(message);
    try {
      writeSync(process.stderr.fd, `airisk-identity: ${message}\n`);
    } catch {
      // stderr is gone or full as well: there is nobody left to tell.
    }
  }
}

/**
 * One structured JSON logger for the process: Fastify logs each request with its `reqId`, Nest's
 * own messages go through `NestPinoLogger`. Headers that carry credentials are redacted.
 */
export function createLogger(level: LogLevel, destination: DestinationStream = new StdoutLog().destination): Logger {
  return pino(
    {
      level,
      base: { service: 'airisk-identity' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
        censor: '[redacted]',
      },
      serializers: {
        // The request line without its query string: OAuth query parameters may carry codes.
        req: (request: { method: string; url: string; id: string }) => ({
          method: request.method,
          url: request.url.split('?')[0],
          id: request.id,
        }),
      },
    },
    destination,
  );
}

export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, String(message));
  }
}
