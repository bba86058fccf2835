import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import { Metrics } from '../platform/metrics/metrics';
import { IntrospectController } from './introspect.controller';
import { ANSWERED_ERROR_CODES, answerOAuthError } from './oauth-error';
import { TokenController } from './token/token.controller';

/** RFC 6749 §5.1: token answers, errors included (§5.2), are never stored, by HTTP/1.1 caches or older ones. */
const TOKEN_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;
/** RFC 7662 §2.2 leaves caching to the server: an answer about a token is never stored. */
const INTROSPECTION_HEADERS = { 'Cache-Control': 'no-store' } as const;

const STRING = { type: 'string' } as const;
const INTEGER = { type: 'integer' } as const;

/**
 * The token answer (RFC 6749 §5.1 plus the AIRisk `expiration`), as `TokenIssuer.response` builds it
 * and in its order: Fastify serializes it from this schema (fast-json-stringify) rather than with
 * `JSON.stringify`, and the OpenAPI document shows it. A member missing here would be left out of
 * the answer: one the answer gains must be added here too (`oauth-routes.spec.ts`).
 */
export const TOKEN_RESPONSE = {
  type: 'object',
  properties: {
    access_token: STRING,
    token_type: STRING,
    expires_in: INTEGER,
    expiration: STRING,
    scope: STRING,
    refresh_token: STRING,
  },
  required: ['access_token', 'token_type', 'expires_in', 'expiration'],
} as const;

/** The introspection answer (RFC 7662 §2.2): every member `IntrospectController` may give, in its order. */
export const INTROSPECTION_RESPONSE = {
  type: 'object',
  properties: {
    active: { type: 'boolean' },
    token_type: STRING,
    sub: STRING,
    client_id: STRING,
    scope: STRING,
    exp: INTEGER,
    iat: INTEGER,
    jti: STRING,
    iss: STRING,
    aud: STRING,
    company_id: STRING,
    userid: STRING,
  },
  required: ['active'],
} as const;

type Endpoint = (request: FastifyRequest) => Promise<object>;

/**
 * The token and introspection endpoints as plain Fastify routes: they are the hot paths of the
 * service, and Nest's router added its execution context, parameter decorators, pipes and filter
 * lookup to each request without adding anything they use. Everything else stays with Fastify's
 * root hooks as for every route (request id, security headers, the anonymous rate limit), and the
 * body parsers' refusals still reach the global filter, which answers them in OAuth's shape.
 *
 * Added at the end of Nest's init (`onApplicationBootstrap`), before Fastify starts: a route takes
 * the root's error handler when Fastify loads it, and Nest sets its own during init, after its
 * controllers' routes.
 */
@Injectable()
export class OAuthRoutes implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost<FastifyAdapter>,
    private readonly token: TokenController,
    private readonly introspection: IntrospectController,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance();
    fastify.post(
      '/api/oauth2/token',
      { schema: { response: { 200: TOKEN_RESPONSE } }, onSend: countingRefusals(this.metrics) },
      answering(TOKEN_HEADERS, (request) => this.token.token(request)),
    );
    fastify.post(
      '/api/oauth2/introspect',
      { schema: { response: { 200: INTROSPECTION_RESPONSE } } },
      answering(INTROSPECTION_HEADERS, (request) => this.introspection.introspect(request)),
    );
  }
}

/** A route handler: the endpoint's answer with its headers, or its refusal as RFC 6749 §5.2 JSON. */
function answering(headers: Readonly<Record<string, string>>, endpoint: Endpoint) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<object> => {
    reply.headers(headers);
    try {
      return await endpoint(request);
    } catch (exception) {
      answerOAuthError(exception, reply);
      return reply;
    }
  };
}

/** The `error` label of an answer whose body is not one of the service's own RFC 6749 errors. */
const UNKNOWN_ERROR = 'other';

/**
 * Counts the token endpoint's refusals by the RFC 6749 error code the client got, read from the
 * answer as it leaves: whichever path refused the request (a grant's checks, the body parsers
 * through the global filter, the anonymous rate limit) is counted alike. Successful answers are
 * passed at the cost of a status check; a refusal's small body is parsed once more.
 */
function countingRefusals(metrics: Metrics): onSendHookHandler {
  return (_request, reply, payload, done) => {
    if (reply.statusCode >= 400) metrics.tokenRefused(errorCodeOf(payload));
    done(null, payload);
  };
}

function errorCodeOf(payload: unknown): string {
  if (typeof payload !== 'string') return UNKNOWN_ERROR;
  try {
    const { error } = JSON.parse(payload) as { error?: unknown };
    return typeof error === 'string' && ANSWERED_ERROR_CODES.has(error) ? error : UNKNOWN_ERROR;
  } catch {
    return UNKNOWN_ERROR;
  }
}

/** The two routes in the OpenAPI document, which Nest builds from its controllers alone. */
export const OAUTH_ENDPOINT_DOCUMENTATION: OpenAPIObject['paths'] = {
  '/api/oauth2/token': documented('TokenController_token', TOKEN_RESPONSE),
  '/api/oauth2/introspect': documented('IntrospectController_introspect', INTROSPECTION_RESPONSE),
};

function documented(operationId: string, schema: object): OpenAPIObject['paths'][string] {
  const parameters = { schema: { type: 'object' } };
  return {
    post: {
      operationId,
      tags: ['oauth'],
      parameters: [],
      requestBody: {
        required: true,
        content: { 'application/x-www-form-urlencoded': parameters, 'application/json': parameters },
      },
      responses: { 200: { description: '', content: { 'application/json': { schema } } } },
    },
  };
}
