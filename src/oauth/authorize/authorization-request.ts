import { HttpStatus } from '@nestjs/common';
import { isRegisteredRedirectUri } from '../../clients/redirect-uri';
import type { ClientType } from '../../clients/client.events';
import { ProblemException } from '../../platform/http/problem-details';
import { OAuthError } from '../oauth-error';
import { parameter, type RawParameters } from '../parameters';
import type { ClientRecord, SecurityView } from '../security-view';
import { scopeWithin } from '../token/scope';
import { isS256Challenge } from '../token/pkce';

/** Where errors may go once the client and its redirect URI are known to be good (RFC 6749 §4.1.2.1). */
export interface RedirectTarget {
  readonly client: ClientRecord;
  /** As requested, which is a registered URI, or one with only its loopback port changed. */
  readonly redirectUri: string;
  readonly state: string | undefined;
}

export interface AuthorizationRequest extends RedirectTarget {
  readonly userId: string | null;
  readonly scope: string;
  readonly codeChallenge: string | null;
}

/**
 * RFC 6749 §4.1.2.1: a missing, unknown or disabled client, or a redirect URI that is not one of the
 * client's (exact string comparison, RFC 9700 §4.1.3, but for the port of a loopback IP literal,
 * RFC 8252 §7.3), is answered directly and never redirected: the browser must not be sent anywhere
 * unverified.
 */
export function redirectTarget(view: SecurityView, query: RawParameters): RedirectTarget {
  const direct = (status: number, code: string, detail: string) => new ProblemException(status, detail, code);
  const clientId = single(query, 'client_id', direct);
  if (!clientId) throw direct(HttpStatus.BAD_REQUEST, 'invalid_request', 'client_id is required');
  const client = view.client(clientId);
  if (!client || !client.enabled) throw direct(HttpStatus.UNAUTHORIZED, 'invalid_client', 'unknown or disabled client');
  const redirectUri = single(query, 'redirect_uri', direct);
  if (!redirectUri) throw direct(HttpStatus.BAD_REQUEST, 'invalid_request', 'redirect_uri is required');
  if (!isRegisteredRedirectUri(client.redirectUris, redirectUri)) {
    throw direct(HttpStatus.BAD_REQUEST, 'invalid_redirect_uri', 'redirect_uri is not registered for this client');
  }
  return { client, redirectUri, state: single(query, 'state', direct) };
}

/**
 * RFC 6749 §4.1.2: the response parameters, then `state` and `iss` (RFC 9207), added to the query
 * of the redirect URI exactly as requested (it is a registered one, or differs only by a loopback
 * port): appended as `application/x-www-form-urlencoded` (Appendix B) after a `&` when it has a
 * query already, never by re-serializing it, which would alter the client's own query. It has no
 * fragment and none of these names in its query: registration refuses both.
 */
export function redirectLocation(target: RedirectTarget, parameters: Record<string, string>, issuer: string): string {
  const response = new URLSearchParams(parameters);
  if (target.state !== undefined) response.append('state', target.state);
  response.append('iss', issuer);
  const uri = target.redirectUri;
  const separator = !uri.includes('?') ? '?' : /[?&]$/.test(uri) ? '' : '&';
  return `${uri}${separator}${response}`;
}

/**
 * Everything else about the request: each failure is an `OAuthError` that goes back to the client
 * through its redirect URI. `serverRequiresPkce` is `REQUIRE_PKCE`.
 */
export function authorizationRequest(
  view: SecurityView,
  target: RedirectTarget,
  query: RawParameters,
  serverRequiresPkce = false,
): AuthorizationRequest {
  const { client } = target;
  const responseType = parameter(query, 'response_type') ?? 'code';
  if (responseType !== 'code')
    throw new OAuthError('unsupported_response_type', 'only response_type=code is supported');
  // Admin and audit scopes come only from client_credentials: never through a browser redirect.
  const scope = scopeWithin(parameter(query, 'scope'), []);
  return {
    ...target,
    userId: requestedUser(view, client, parameter(query, 'userid')),
    scope,
    codeChallenge: codeChallenge(query, requiresPkce(client, serverRequiresPkce)),
  };
}

/** The AIRisk `userid`: an active user of the client's own company, for a client allowed user tokens. */
function requestedUser(view: SecurityView, client: ClientRecord, userId: string | undefined): string | null {
  if (userId === undefined) return null;
  if (!client.allowUserTokens) throw new OAuthError('unauthorized_client', 'this client may not request user tokens');
  const user = view.user(userId);
  if (!user || !user.active || user.companyId !== client.companyId) {
    throw new OAuthError('invalid_request', 'userid is not an active user of the client company');
  }
  return userId;
}

/**
 * Whether the client must send a code challenge: a public client always (RFC 9700 §2.1.1); a
 * confidential one when the server (`REQUIRE_PKCE`) or its own registration (`requirePkce`) says so.
 */
export function requiresPkce(
  client: { readonly type: ClientType; readonly requirePkce?: boolean },
  serverRequiresPkce: boolean,
): boolean {
  return client.type === 'public' || client.requirePkce === true || serverRequiresPkce;
}

/** RFC 7636: S256 only (plain offers nothing over no PKCE); when required and absent, RFC 7636 §4.4.1. */
function codeChallenge(query: RawParameters, required: boolean): string | null {
  const challenge = parameter(query, 'code_challenge');
  const method = parameter(query, 'code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined) throw new OAuthError('invalid_request', 'code_challenge_method without code_challenge');
    if (required) throw new OAuthError('invalid_request', 'code challenge required: this client must use PKCE (S256)');
    return null;
  }
  if (method !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256');
  if (!isS256Challenge(challenge)) throw new OAuthError('invalid_request', 'code_challenge is not a base64url SHA-256');
  return challenge;
}

/** A parameter that decides where the answer goes: a duplicate is answered directly too. */
function single(
  query: RawParameters,
  name: string,
  direct: (status: number, code: string, detail: string) => ProblemException,
): string | undefined {
  try {
    return parameter(query, name);
  } catch (error) {
    throw direct(HttpStatus.BAD_REQUEST, 'invalid_request', (error as OAuthError).description);
  }
}
