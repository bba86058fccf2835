import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';

export type ServerLimits = Pick<AppConfig, 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'>;

/** A refused connection is logged at most this often, with the count since the last line. */
const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * Fastify's server options for the limits. Node's `requestTimeout` bounds the time from a request's
 * first byte (or the connection's opening) until its headers and body have all arrived: a stalled
 * or trickled body is answered 408 and closed, whatever the route. It is not an idle timeout, so a
 * slow answer (an audit export, a chain verification) is never cut: Fastify's `connectionTimeout`
 * would be, and stays off.
 *
 * Node checks the requests in flight against that deadline on a timer (every 30 s by default), so
 * a request would live up to a whole check past it. Checked 30 times per deadline, with the deadline
 * one check shorter, a request is cut after 29/30 of `REQUEST_TIMEOUT_MS` and within all of it.
 * Headers get the same deadline: with Node's 60 s headers timeout left in place, Node 20 cut a stalled
 * body only at that longer timeout (measured), so the request timeout alone did not bound it.
 */
export function serverLimitOptions(limits: ServerLimits) {
  const checkEveryMs = Math.ceil(limits.requestTimeoutMs / 30);
  const deadlineMs = limits.requestTimeoutMs - checkEveryMs;
  return {
    requestTimeout: deadlineMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { headersTimeout: deadlineMs, connectionsCheckingInterval: checkEveryMs },
  };
}

/**
 * Caps the open connections (Node's `maxConnections`: one more is closed as soon as it is accepted,
 * before anything is read), so a flood of connections cannot exhaust file descriptors or memory.
 * Refusals are logged as a warning at most once a minute, with their count, rather than one line each.
 */
export function capConnections(server: Server, maxConnections: number, logger: Logger): void {
  server.maxConnections = maxConnections;
  let dropped = 0;
  let loggedAt = -Infinity;
  server.on('drop', () => {
    dropped += 1;
    if (Date.now() - loggedAt < DROP_LOG_INTERVAL_MS) return;
    logger.warn({ dropped, maxConnections }, 'connections refused: the server has as many open as MAX_CONNECTIONS');
    loggedAt = Date.now();
    dropped = 0;
  });
}
