import type { Logger } from 'pino';
import type { StdoutLog } from './logging/logger';
import type { Tracing } from './tracing/tracing';

/**
 * From the first SIGTERM or SIGINT, the process is gone within this long whatever hangs: a client
 * that never finishes its request keeps the HTTP server from closing, a store that does not answer
 * keeps its `close` pending. Under the 10 s Docker and Compose leave between SIGTERM and SIGKILL.
 */
export const SHUTDOWN_DEADLINE_MS = 8_000;

/** The end of the deadline, left for the log lines still buffered for stdout and the spans not yet exported. */
const LOG_FLUSH_MS = 1_000;

/** The application as far as shutting it down goes (Nest's `close` passes the signal to the hooks). */
export interface Stoppable {
  close(signal?: string): Promise<void>;
}

/**
 * On the first SIGTERM or SIGINT: Nest's shutdown (readiness turns red, requests drain, the hooks
 * stop projections and close stores), then the log is closed, the spans still buffered are exported
 * (when `traces` are), both at once, and the process exits. The deadline is armed at the signal,
 * before anything can hang, and its way out writes nothing synchronously to stdout, so it fires even
 * when the log reader is gone or stalled. Later signals change nothing.
 */
export function exitOnSignals(
  app: Stoppable,
  logger: Logger,
  log: StdoutLog,
  traces?: Pick<Tracing, 'shutdown'>,
): void {
  let stopping = false;
  let exiting = false;
  const exit = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    // The spans of the shutdown itself (the last projection batches) have ended by now.
    await Promise.all([log.close(LOG_FLUSH_MS), traces?.shutdown(LOG_FLUSH_MS)]);
    process.exit(code);
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.error(
        { context: 'shutdown' },
        `shutdown still running after ${SHUTDOWN_DEADLINE_MS - LOG_FLUSH_MS} ms: exiting`,
      );
      void exit(1);
    }, SHUTDOWN_DEADLINE_MS - LOG_FLUSH_MS);
    app.close(signal).then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ context: 'shutdown', err: error }, 'shutdown failed');
        return exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
