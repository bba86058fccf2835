import { createHash, timingSafeEqual } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/bearer-token';
import type { Metrics } from './metrics';

export const METRICS_PATH = '/metrics';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Measures every request (a root `onResponse` hook: the route's pattern, never the raw URL, and
 * Fastify's own elapsed time) and serves the app's metrics at `GET /metrics` in Prometheus' text
 * format, as a plain Fastify route, left out of the OpenAPI document. Open without a token; with
 * `METRICS_TOKEN` set, only to `Authorization: Bearer <token>` (both sides hashed to equal-length
 * digests and compared in constant time, as the admin key is), anything else `401`.
 */
export function serveMetrics(app: NestFastifyApplication, metrics: Metrics, token: string | undefined): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.request(
      request.method,
      request.is404 ? undefined : request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  const expected = token === undefined ? undefined : digest(token);
  fastify.get(METRICS_PATH, async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('Cache-Control', 'no-store');
    if (expected && !presents(request, expected)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="metrics"')
        .header('Content-Type', 'application/problem+json')
        .send({
          type: 'about:blank',
          title: 'Unauthorized',
          status: 401,
          detail: 'the metrics token is required',
          traceId: request.id,
        });
    }
    const text = await metrics.exposition();
    return reply.header('Content-Type', metrics.contentType).send(text);
  });
}

function presents(request: FastifyRequest, expected: Buffer): boolean {
  const bearer = bearerToken(request.headers.authorization);
  return bearer !== undefined && timingSafeEqual(digest(bearer), expected);
}
