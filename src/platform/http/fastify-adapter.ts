import { randomUUID } from 'node:crypto';
import { parse as parseForm } from 'node:querystring';
import type { IncomingMessage } from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

/** Larger bodies are refused with 413 before they are parsed: no admin or OAuth request comes near it. */
export const BODY_LIMIT_BYTES = 100 * 1024;

/** Path parameters up to this length reach the routes (a userid has up to 128 characters; Fastify's default is 100). */
const MAX_PARAM_LENGTH = 256;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const OAUTH_PATH = /^\/api\/oauth2(?=[/?]|$)(\/[^?]*)?/i;

/**
 * AIRisk documents `/api/oauth2/Token`: the OAuth paths match case-insensitively, by rewriting them
 * to lowercase before routing. Only the path: the query keeps its case.
 */
export function canonicalOAuthPath(url: string): string {
  return url.replace(OAUTH_PATH, (path) => path.toLowerCase());
}

/**
 * Fastify with the project's logger, request ids (a caller's well-formed `X-Request-Id` is kept so
 * traces join up across services; anything else gets a fresh UUID) and a bounded body size.
 */
export function createFastifyAdapter(logger: Logger): FastifyAdapter {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    rewriteUrl: (request: IncomingMessage) => canonicalOAuthPath(request.url ?? '/'),
    genReqId: (request: IncomingMessage) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  registerBodyParsers(adapter);
  return adapter;
}

/**
 * JSON with Fastify's own parser (prototype-poisoning keys refused), except that an empty body is
 * no body: clients send `Content-Type: application/json` on body-less POST and DELETE actions too.
 * Forms as `querystring` parses them (repeated fields become arrays, which OAuth then refuses).
 * Registered before Nest's init, which then leaves them in place.
 */
function registerBodyParsers(adapter: FastifyAdapter): void {
  const json = adapter.getInstance().getDefaultJsonParser('error', 'error');
  const options = { bodyLimit: BODY_LIMIT_BYTES };
  adapter.useBodyParser('application/json', false, options, (request, body, done) =>
    body.length === 0 ? done(null, undefined) : json(request, body.toString('utf8'), done),
  );
  adapter.useBodyParser('application/x-www-form-urlencoded', false, options, (_request, body, done) =>
    done(null, parseForm(body.toString('utf8'))),
  );
}
