import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

const WINDOW_MS = 60_000;
/**
 * The authorization endpoint, and the token-style endpoints, by the route each request reached: not
 * its raw URL, which the router decodes first (`/api/oauth2/%74oken` is the token endpoint).
 */
const AUTHORIZE = '/api/oauth2';
const TOKEN_STYLE = new Set(['/api/oauth2/token', '/api/oauth2/revoke', '/api/oauth2/introspect']);

/**
 * Requests that prove nothing — the authorization endpoint (anyone who knows a client id may call
 * it) and token, revocation and introspection requests without a client secret (public clients, or
 * no credentials at all) — are counted per IP address and per client id they name, each at most
 * `perMinute` in a sliding minute (`@fastify/rate-limit`, bounded in memory); past that the answer
 * is `429` with `Retry-After` (RFC 6585 §4). Clients that authenticate are not counted. 0 turns it off.
 */
export async function limitAnonymousRequests(app: NestFastifyApplication, perMinute: number): Promise<void> {
  if (perMinute === 0) return;
  await app.register(rateLimit, { global: false });
  const instance = app.getHttpAdapter().getInstance();
  const limits = [ipOf, clientIdOf].map((key) =>
    instance.createRateLimit({ max: perMinute, timeWindow: WINDOW_MS, keyGenerator: key }),
  );
  // preHandler: after the body is parsed, so a client id or secret sent in a form or JSON body counts.
  instance.addHook('preHandler', async (request, reply) => {
    if (!isAnonymous(request)) return;
    for (const limit of limits) {
      const outcome = await limit(request);
      if (!outcome.isAllowed && outcome.isExceeded) return tooMany(request, reply, outcome.ttlInSeconds);
    }
  });
}

function isAnonymous(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (request.method === 'GET') return route === AUTHORIZE;
  if (request.method !== 'POST' || route === undefined || !TOKEN_STYLE.has(route)) return false;
  const body = request.body as Record<string, unknown> | undefined;
  return !/^Basic /i.test(request.headers.authorization ?? '') && !body?.client_secret;
}

const ipOf = (request: FastifyRequest) => `ip:${request.ip}`;

function clientIdOf(request: FastifyRequest): string {
  const from = request.method === 'GET' ? request.query : request.body;
  const clientId = (from as Record<string, unknown> | undefined)?.client_id;
  return `client:${typeof clientId === 'string' ? clientId : ''}`;
}

function tooMany(request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  const detail = 'too many requests without client authentication; retry later';
  reply.code(429).header('Retry-After', String(retryAfterSeconds)).header('Cache-Control', 'no-store');
  // The shape each endpoint answers its errors in: RFC 6749 §5.2 JSON, problem+json for authorize.
  if (request.method === 'POST') return reply.send({ error: 'temporarily_unavailable', error_description: detail });
  return reply
    .header('Content-Type', 'application/problem+json')
    .send({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail, traceId: request.id });
}
