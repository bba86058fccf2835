import type { FastifyRequest } from 'fastify';
import { RequestContext } from '../platform/auth/request-context';

/** The envelope context of events a client causes at the OAuth endpoints. */
export function clientContext(request: FastifyRequest, clientId: string): RequestContext {
  return {
    actor: { kind: 'client', id: clientId },
    correlationId: request.id,
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  };
}
