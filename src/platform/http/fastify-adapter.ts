import { randomUUID } from 'node:crypto';
import { parse as parseForm } from 'node:querystring';
import type { IncomingMessage } from 'node:http';
import { HttpStatus } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { jsonBodyProblem } from './json-body';
import { ProblemException } from './problem-details';
import { capConnections, serverLimitOptions, type ServerLimits } from './server-limits';

/** Larger bodies are refused with 413 before they are parsed: no admin or OAuth request comes near it. */
export const BODY_LIMIT_BYTES = 100 * 1024;

/** Path parameters up to this length reach the routes (a userid has up to 128 characters; Fastify's default is 100). */
const MAX_PARAM_LENGTH = 256;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const OAUTH_PATH = /^\/api\/oauth2(?=[/?]|$)(\/[^?]*)?/i;

/** Answers that carry personal data or credentials: the admin API and AIRisk's ListUsers. */
const UNCACHEABLE_PATH = /^\/api\/(?:admin|ListUsers|Users\/ListUsers)(?=[/?]|$)/;

/**
 * AIRisk documents `/api/oauth2/Token`: the OAuth paths match case-insensitively, by rewriting them
 * to lowercase before routing. Only the path: the query keeps its case.
 */
export function canonicalOAuthPath(url: string): string {
  return url.replace(OAUTH_PATH, (path) => path.toLowerCase());
}

/**
 * Fastify with the project's logger, request ids (a caller's well-formed `X-Request-Id` is kept so
 * traces join up across services; anything else gets a fresh UUID), a bounded body size, and bounded
 * time to send a request and number of connections (see `server-limits.ts`).
 */
export function createFastifyAdapter(logger: Logger, limits: ServerLimits): FastifyAdapter {
  const adapter = new FastifyAdapter({
    ...serverLimitOptions(limits),
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    rewriteUrl: (request: IncomingMessage) => canonicalOAuthPath(request.url ?? '/'),
    genReqId: (request: IncomingMessage) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  const instance = adapter.getInstance();
  capConnections(instance.server, limits.maxConnections, logger);
  instance.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  // Personal data and secrets must stay out of every cache (RFC 9111 §5.2.2.5), errors included:
  // set as the answer leaves, so no controller or error path can miss it or replace it. The route
  // the router chose is tested too: it decodes percent-escapes, so `/api/%61dmin/users` is served
  // by the admin API though its raw URL does not read `/api/admin`.
  instance.addHook('onSend', (request, reply, payload, done) => {
    if (UNCACHEABLE_PATH.test(request.url) || UNCACHEABLE_PATH.test(request.routeOptions.url ?? '')) {
      reply.header('Cache-Control', 'no-store');
    }
    done(null, payload);
  });
  registerBodyParsers(adapter);
  return adapter;
}

/**
 * JSON with Fastify's own parser (prototype-poisoning keys refused), except that an empty body is
 * no body: clients send `Content-Type: application/json` on body-less POST and DELETE actions too;
 * then bounded in depth and refused with a repeated key (see `json-body.ts`), before any validation.
 * Forms as `querystring` parses them (repeated fields become arrays, which OAuth then refuses).
 * Registered before Nest's init, which then leaves them in place.
 */
function registerBodyParsers(adapter: FastifyAdapter): void {
  const json = adapter.getInstance().getDefaultJsonParser('error', 'error');
  const options = { bodyLimit: BODY_LIMIT_BYTES };
  adapter.useBodyParser('application/json', false, options, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    const text = body.toString('utf8');
    // Fastify's own parser answers through the callback (its type also admits a promise, never returned here).
    void json(request, text, (error, parsed) => {
      const problem = error ? undefined : jsonBodyProblem(text);
      if (problem) return done(new ProblemException(HttpStatus.BAD_REQUEST, problem, 'invalid_json'));
      done(error, parsed);
    });
  });
  adapter.useBodyParser('application/x-www-form-urlencoded', false, options, (_request, body, done) =>
    done(null, parseForm(body.toString('utf8'))),
  );
}
