import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STORE_RETRY_AFTER_SECONDS } from '../platform/http/problem-details';
import { StoreUnavailableError } from '../platform/store-unavailable';
import { grantAnswer } from './grant-refusals';

/** RFC 6749 §5.2 error codes, and RFC 7009 §2.2.1's. */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
  'unsupported_response_type',
  'temporarily_unavailable',
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

/** Every `error` a token-style endpoint answers: the codes above, and a bare 500's. */
export const ANSWERED_ERROR_CODES: ReadonlySet<string> = new Set([...OAUTH_ERROR_CODES, 'server_error']);

/** A refusal at a token-style endpoint: answered as `{ error, error_description }` JSON. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }

  /** RFC 6749 §5.2: 400, except a failed client authentication (401) and a server that cannot check safely now (503). */
  get status(): number {
    if (this.error === 'invalid_client') return HttpStatus.UNAUTHORIZED;
    return this.error === 'temporarily_unavailable' ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_REQUEST;
  }
}

/**
 * The endpoints that answer errors as RFC 6749 §5.2 JSON: the token endpoint, and revocation
 * (RFC 7009 §2.2.1) and introspection (RFC 7662 §2.3), which take their error responses from it.
 */
export const TOKEN_STYLE_PATHS = ['/api/oauth2/token', '/api/oauth2/revoke', '/api/oauth2/introspect'] as const;

const logger = new Logger('oauth');

/**
 * The error shape of the token, revocation and introspection endpoints (RFC 6749 §5.2), as a Nest
 * filter: revocation's controller uses it, and so does the global filter (`bootstrap.ts`) for what
 * fails before a handler runs (the body parser's refusals) at any of the three paths.
 */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    answerOAuthError(exception, host.switchToHttp().getResponse<FastifyReply>());
  }
}

/**
 * Answers an error at a token-style endpoint (RFC 6749 §5.2). Responses are never cached;
 * `invalid_client` carries `WWW-Authenticate` (§5.2). Anything unexpected is a bare 500
 * `server_error` with nothing of the cause.
 */
export function answerOAuthError(exception: unknown, reply: FastifyReply): void {
  reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
  const refusal = asOAuthError(exception);
  if (refusal) {
    if (refusal.error === 'invalid_client') reply.header('WWW-Authenticate', 'Basic realm="airisk-identity"');
    void reply.status(refusal.status).send({ error: refusal.error, error_description: refusal.description });
    return;
  }
  if (exception instanceof StoreUnavailableError) {
    // RFC 6749 §4.1.2.1 names `temporarily_unavailable` for a server that cannot answer now.
    logger.warn(`OAuth endpoint answered 503: ${exception.message}`);
    void reply
      .status(HttpStatus.SERVICE_UNAVAILABLE)
      .header('Retry-After', String(STORE_RETRY_AFTER_SECONDS))
      .send({ error: 'temporarily_unavailable', error_description: 'the service cannot answer now; retry later' });
    return;
  }
  const status = exception instanceof HttpException ? exception.getStatus() : frameworkStatus(exception);
  // Refusals of the request as HTTP (413 body too large, 415 unsupported media type) keep their
  // status: RFC 9110 §15.5.14/§15.5.16 say precisely what is wrong, and RFC 6749 §5.2 defines the
  // error body, not the status of failures below OAuth; any OAuth client reads that body on a 4xx.
  if (status && status < 500) {
    void reply.status(status).send({ error: 'invalid_request', error_description: describe(exception) });
    return;
  }
  logger.error(`OAuth endpoint failed: ${exception instanceof Error ? exception.stack : String(exception)}`);
  void reply.status(500).send({ error: 'server_error', error_description: 'the server failed to handle this request' });
}

/** The OAuth answer to a refusal: the protocol's own, or a grant's in the protocol's words. */
function asOAuthError(exception: unknown): OAuthError | undefined {
  if (exception instanceof OAuthError) return exception;
  const answer = grantAnswer(exception);
  return answer && new OAuthError(answer.error, answer.description);
}

function frameworkStatus(exception: unknown): number | undefined {
  const status = (exception as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function describe(exception: unknown): string {
  return exception instanceof Error ? exception.message : 'the request is not valid';
}
