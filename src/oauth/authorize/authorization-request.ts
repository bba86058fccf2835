import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../../platform/http/problem-details';
import { OAuthError } from '../oauth-error';
import { parameter, RawParameters } from '../parameters';
import { ClientRecord, SecurityView } from '../security-view';
import { scopeWithin } from '../token/scope';
import { isS256Challenge } from '../token/pkce';

/** Where errors may go once the client and its redirect URI are known to be good (RFC 6749 §4.1.2.1). */
export interface RedirectTarget {
  readonly client: ClientRecord;
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
 * client's (exact string comparison, RFC 9700 §4.1.3), is answered directly and never redirected:
 * the browser must not be sent anywhere unverified.
 */
export function redirectTarget(view: SecurityView, query: RawParameters): RedirectTarget {
  const direct = (status: number, code: string, detail: string) => new ProblemException(status, detail, code);
  const clientId = single(query, 'client_id', direct);
  if (!clientId) throw direct(HttpStatus.BAD_REQUEST, 'invalid_request', 'client_id is required');
  const client = view.client(clientId);
  if (!client || !client.enabled) throw direct(HttpStatus.UNAUTHORIZED, 'invalid_client', 'unknown or disabled client');
  const redirectUri = single(query, 'redirect_uri', direct);
  if (!redirectUri) throw direct(HttpStatus.BAD_REQUEST, 'invalid_request', 'redirect_uri is required');
  if (!client.redirectUris.includes(redirectUri)) {
    throw direct(HttpStatus.BAD_REQUEST, 'invalid_redirect_uri', 'redirect_uri is not registered for this client');
  }
  return { client, redirectUri, state: single(query, 'state', direct) };
}

/**
 * Everything else about the request: each failure is an `OAuthError` that goes back to the client
 * through its redirect URI.
 */
export function authorizationRequest(
  view: SecurityView,
  target: RedirectTarget,
  query: RawParameters,
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
    codeChallenge: codeChallenge(client, query),
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

/** RFC 7636: S256 only (plain offers nothing over no PKCE); required of public clients (RFC 9700 §2.1.1). */
function codeChallenge(client: ClientRecord, query: RawParameters): string | null {
  const challenge = parameter(query, 'code_challenge');
  const method = parameter(query, 'code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined) throw new OAuthError('invalid_request', 'code_challenge_method without code_challenge');
    if (client.type === 'public')
      throw new OAuthError('invalid_request', 'public clients must use PKCE (code_challenge)');
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
