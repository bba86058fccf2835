import type { FastifyRequest } from 'fastify';
import { RequestContext, requestIds } from '../platform/auth/request-context';

/**
 * The envelope context of events a client causes at the OAuth endpoints. The actor is the client
 * only when the request proved it is: a POST that presented the client's secret (HTTP Basic or
 * `client_secret`, RFC 6749 §2.3.1), which `ClientAuthentication` has verified before any event is
 * caused, so this is called only after it succeeded. Otherwise the actor is anonymous, acting
 * through the client it named: the authorization endpoint authenticates nobody (§3.1; this service
 * answers it on GET), and a public client has no secret to present (§2.1), so anyone knowing its
 * id could have made the request.
 */
export function clientContext(request: FastifyRequest, clientId: string): RequestContext {
  const authenticated = request.method === 'POST' && presentsSecret(request);
  return {
    actor: { kind: authenticated ? 'client' : 'anonymous', id: clientId },
    ...requestIds(request),
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  };
}

function presentsSecret(request: FastifyRequest): boolean {
  if (/^basic /i.test(request.headers.authorization ?? '')) return true;
  // As the OAuth parameters are read: an empty value is an absent one.
  const secret = (request.body as Record<string, unknown> | null | undefined)?.client_secret;
  return typeof secret === 'string' && secret !== '';
}
