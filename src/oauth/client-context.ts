import type { FastifyRequest } from 'fastify';
import { type RequestContext, requestIds } from '../platform/auth/request-context';
import type { AuthenticatedClient } from './client-authentication';

/**
 * The envelope context of events a client causes at the OAuth endpoints. The actor is the client
 * only when the request proved it is, by the secret `ClientAuthentication` verified (RFC 6749
 * §2.3.1). A public client has no secret to present (§2.1): anyone knowing its id could have made
 * the request, so its actor is anonymous, acting through the client it named.
 */
export function clientContext(request: FastifyRequest, { client, method }: AuthenticatedClient): RequestContext {
  return {
    actor: { kind: method === 'none' ? 'anonymous' : 'client', id: client.clientId },
    ...requestIds(request),
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  };
}
