import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The OpenAPI UI (`openapi.ts`): the one part of the service a browser renders. */
const DOCS_PATH = /^\/docs(?=[/?]|$)/;

/** A CSP source list that allows nothing. */
const NOTHING = ["'none'"];

/** The API answers JSON, never a page: it may load nothing, and be framed nowhere. */
const API_POLICY = { 'default-src': NOTHING, 'frame-ancestors': NOTHING, 'base-uri': NOTHING, 'form-action': NOTHING };

/**
 * Swagger UI loads its scripts, styles and the document from this origin, styles its elements
 * inline (React) and draws icons as `data:` images; no other origin, no inline script.
 */
const DOCS_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'object-src': NOTHING,
  'frame-ancestors': NOTHING,
  'base-uri': NOTHING,
  'form-action': ["'self'"],
};

/** HSTS `max-age` (RFC 6797 §6.1.1): one year. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * Security headers on every answer, errors included, by `@fastify/helmet`: `nosniff`, a CSP that
 * forbids framing (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for older browsers),
 * `Referrer-Policy: no-referrer`, and HSTS only when the issuer is https: over plain http a browser
 * ignores it (RFC 6797 §8.1), and the service cannot tell the TLS in front of it from none.
 * `includeSubDomains` is left off: the issuer's host does not speak for its parent's other names.
 * Registered before any route, so each route is built with them.
 */
export async function useSecurityHeaders(app: NestFastifyApplication, issuer: string): Promise<void> {
  // A route's own helmet options replace the global ones: the UI gets the policy it can work with.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      if (DOCS_PATH.test(route.url)) {
        // @fastify/helmet reads `config.helmet` without declaring it on Fastify's route config type.
        const helmetConfig = { helmet: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_POLICY } } };
        route.config = { ...route.config, ...helmetConfig };
      }
    });
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: API_POLICY },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: issuer.startsWith('https://')
      ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false }
      : false,
  });
}
