import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ActorKind, EventMetadata } from '../event-store/event-store';

/** Who is acting and under which request: what every event's envelope records (DESIGN §4). */
export interface RequestContext {
  readonly actor: { readonly kind: ActorKind; readonly id: string };
  /** Set for a company administrator: the only company whose resources this request may see or change. */
  readonly companyScope?: string;
  readonly correlationId: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

export type AuthenticatedRequest = FastifyRequest & { actor?: RequestContext['actor']; companyScope?: string };

export const SCHEMA_VERSION = 1;

/** The envelope of events caused by one request; a request is its own correlation and causation. */
export function eventMetadata(context: RequestContext, at: Date, companyId?: string): EventMetadata {
  return {
    actor: context.actor,
    correlationId: context.correlationId,
    causationId: context.correlationId,
    ...(companyId ? { companyId } : {}),
    at: at.toISOString(),
    schemaVersion: SCHEMA_VERSION,
    ...(context.ip ? { ip: context.ip } : {}),
    ...(context.userAgent ? { userAgent: context.userAgent.slice(0, 512) } : {}),
  };
}

/** Injects the `RequestContext` of an authenticated request into a controller method. */
export const Context = createParamDecorator((_: unknown, execution: ExecutionContext): RequestContext => {
  const request = execution.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.actor) throw new Error('RequestContext used on a route without an authentication guard');
  const userAgent = request.headers['user-agent'];
  return {
    actor: request.actor,
    companyScope: request.companyScope,
    correlationId: request.id,
    ip: request.ip,
    userAgent,
  };
});
