import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The OpenAPI UI (`openapi.ts`): a part of the service a browser renders. */
const DOCS_PATH = /^\/docs(?=[/?]|$)/;

/** The audit page (`src/audit/page/`): a page of the service's own, its script and style beside it. */
const PAGE_PATH = /^\/audit(?=[/?]|$)/;

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

/**
 * The audit page handles a bearer credential and renders attacker-influenced event data: only its
 * own script and stylesheet run, nothing inline (no `unsafe-*`), it calls only this origin's API,
 * and it submits no form anywhere (its forms are handled by the script).
 */
const PAGE_POLICY = {
  'default-src': NOTHING,
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'connect-src': ["'self'"],
  'img-src': ["'self'"],
  'frame-ancestors': NOTHING,
  'base-uri': NOTHING,
  'form-action': NOTHING,
};

/** HSTS `max-age` (RFC 6797 §6.1.1): one year. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * Security headers on every answer, errors included, as `helmet` (the maintained library behind
 * `@fastify/helmet`) writes them: `nosniff`, a CSP that forbids framing (`frame-ancestors 'none'`,
 * and `X-Frame-Options: DENY` for older browsers), `Referrer-Policy: no-referrer`, and HSTS only when
 * the issuer is https: over plain http a browser ignores it (RFC 6797 §8.1), and the service cannot
 * tell the TLS in front of it from none. `includeSubDomains` is left off: the issuer's host does not
 * speak for its parent's other names.
 *
 * The headers are the same for every answer of a route family, so helmet computes them once, at
 * start, and a hook copies them onto each reply: run per request (what `@fastify/helmet` does),
 * helmet's middleware chain cost about 25 µs a request, which halved the JWKS rate (measured).
 */
export function useSecurityHeaders(app: NestFastifyApplication, issuer: string): void {
  const common = {
    xFrameOptions: { action: 'deny' as const },
    referrerPolicy: { policy: 'no-referrer' as const },
    strictTransportSecurity: issuer.startsWith('https://')
      ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false }
      : false,
  };
  const api = headersOf({ ...common, contentSecurityPolicy: { useDefaults: false, directives: API_POLICY } });
  const docs = headersOf({ ...common, contentSecurityPolicy: { useDefaults: false, directives: DOCS_POLICY } });
  const page = headersOf({ ...common, contentSecurityPolicy: { useDefaults: false, directives: PAGE_POLICY } });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      reply.headers(DOCS_PATH.test(request.url) ? docs : PAGE_PATH.test(request.url) ? page : api);
      done();
    });
}

/** What helmet's middleware sets on a response, captured once. */
function headersOf(options: HelmetOptions): Readonly<Record<string, string>> {
  // A real, unconnected request and response: helmet only sets and removes headers on it.
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet(options)(request, response, () => undefined);
  const headers = Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]);
  return Object.freeze(Object.fromEntries(headers) as Record<string, string>);
}
