import type { IncomingMessage } from 'node:http';
import { context } from '@opentelemetry/api';
import { core } from '@opentelemetry/sdk-node';
import type { FastifyInstance } from 'fastify';
import { streamForSpan } from './personal-streams';

/** Paths polled by probes and Prometheus: a trace each would bury the traffic worth reading. */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** What stands for every query parameter's value in a server span. */
const REDACTED = 'REDACTED';

/**
 * Hands the HTTP instrumentation the route's pattern as each request is routed: at the answer it
 * sets `http.route` and names the server span `POST /api/oauth2/token`. This is the instrumentation's
 * own channel (the context's RPC metadata, as its Express counterpart uses); the raw URL never names
 * a span. A request no route matched keeps the method alone.
 */
export function nameRequestSpans(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const metadata = core.getRPCMetadata(context.active());
    if (metadata?.type === core.RPCType.HTTP && !request.is404) metadata.route = request.routeOptions.url;
    done();
  });
}

/** Probes and scrapes start no trace. */
export function untraced(request: IncomingMessage): boolean {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return UNTRACED_PATHS.has(query < 0 ? url : url.slice(0, query));
}

/**
 * What the HTTP instrumentation would record of the requester, dropped (an attribute set to
 * undefined is not recorded): a public client's requests come from a person's device, whose address
 * and browser are personal data (architecture §4.1) that a trace backend keeps beyond any erasure.
 */
const NO_REQUESTER = {
  'client.address': undefined,
  'network.peer.address': undefined,
  'network.peer.port': undefined,
  'user_agent.original': undefined,
} as const;

/**
 * The server span's attributes as the service overrides them: the query's names alone, the path with
 * any pseudonymous stream id (`GET /api/admin/audit/streams/:stream`, as the audit page opens one)
 * named by its category, as the store spans name it, and nothing of the requester.
 */
export function serverSpanAttributes(request: IncomingMessage): Record<string, string | undefined> {
  return { ...queryWithoutValues(request), ...pathWithoutPseudonyms(request), ...NO_REQUESTER };
}

/**
 * `url.path` with each segment that is a pseudonymous stream's id replaced by its category, read as
 * the router reads it (percent-escapes decoded: `user%65mail-…` is that stream too); nothing when the
 * path holds none, and the instrumentation's own reading stands.
 */
export function pathWithoutPseudonyms(request: IncomingMessage): Record<string, string> {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const segments = (query < 0 ? url : url.slice(0, query)).split('/');
  const named = segments.map((segment) => {
    const stream = decoded(segment);
    const shown = streamForSpan(stream);
    return shown === stream ? segment : shown;
  });
  return named.some((segment, i) => segment !== segments[i]) ? { 'url.path': named.join('/') } : {};
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Replaces the server span's `url.query` with the parameter names alone: OAuth queries carry
 * client ids, redirect URIs and state, and a misbehaving client may put a secret there. The
 * instrumentation redacts only a fixed list of cloud-signature parameters.
 */
export function queryWithoutValues(request: IncomingMessage): Record<string, string> {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  if (query < 0 || query === url.length - 1) return {};
  const names = [...new URLSearchParams(url.slice(query + 1)).keys()];
  return { 'url.query': names.map((name) => `${encodeURIComponent(name)}=${REDACTED}`).join('&') };
}
