import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ActorKind, EventMetadata } from '../event-store/event-store';

/** Who is acting and under which request: what every event's envelope records (architecture §4). */
export interface RequestContext {
  readonly actor: { readonly kind: ActorKind; readonly id: string };
  /** Set for a company administrator: the only company whose resources this request may see or change. */
  readonly companyScope?: string;
  /** Set for a company administrator: the scopes its token holds, the most it may hand on. */
  readonly heldScopes?: readonly string[];
  readonly correlationId: string;
  /** The caller's `X-Request-Id`, when it chose the request id. */
  readonly requestId?: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

export type AuthenticatedRequest = FastifyRequest & {
  actor?: RequestContext['actor'];
  companyScope?: string;
  heldScopes?: readonly string[];
};

export const SCHEMA_VERSION = 1;

/** One correlation id per request whose id the caller chose, however many contexts it builds. */
const correlations = new WeakMap<FastifyRequest, string>();

/**
 * The ids of a request's envelope. The request id is the caller's `X-Request-Id` when it sent a
 * well-formed one (so traces join up across services), and the caller may send any value, another
 * request's included: it is kept as `requestId`, and the correlation id is the server's own, the
 * request id the server generated when the caller chose none (so it matches the log and `traceId`).
 */
export function requestIds(request: FastifyRequest): Pick<RequestContext, 'correlationId' | 'requestId'> {
  if (request.headers['x-request-id'] !== request.id) return { correlationId: request.id };
  let correlationId = correlations.get(request);
  if (correlationId === undefined) correlations.set(request, (correlationId = randomUUID()));
  return { correlationId, requestId: request.id };
}

/** The envelope of events caused by one request; a request is its own correlation and causation. */
export function eventMetadata(context: RequestContext, at: Date, companyId?: string): EventMetadata {
  return {
    actor: context.actor,
    correlationId: context.correlationId,
    causationId: context.correlationId,
    ...(context.requestId ? { requestId: context.requestId } : {}),
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
    heldScopes: request.heldScopes,
    ...requestIds(request),
    ip: request.ip,
    userAgent,
  };
});
