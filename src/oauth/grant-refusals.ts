import { GrantRefusal, type GrantRefusalReason } from '../grants/grant-refusal';
import { RevocationNotYetEnforced } from '../grants/revoke-grant.handler';
import type { OAuthErrorCode } from './oauth-error';

/** An RFC 6749 §5.2 error answer: `{ error, error_description }`. */
export interface OAuthAnswer {
  readonly error: OAuthErrorCode;
  readonly description: string;
}

/**
 * How each of the grant's refusals is answered at the token endpoint. RFC 6749 §5.2: a code or
 * refresh token that is invalid, expired, revoked, already used or bound to another redirection URI
 * or client is `invalid_grant`, and a missing required parameter (the `code_verifier` a code's
 * challenge calls for, RFC 7636 §4.6) is `invalid_request`. One table: every refusal has one answer.
 */
export const GRANT_REFUSALS: Readonly<Record<GrantRefusalReason, OAuthAnswer>> = {
  code_invalid: { error: 'invalid_grant', description: 'the authorization code is not valid' },
  code_expired: { error: 'invalid_grant', description: 'the authorization code has expired' },
  code_revoked: { error: 'invalid_grant', description: 'the authorization code has been revoked' },
  code_reused: { error: 'invalid_grant', description: 'the authorization code has already been used' },
  redirect_uri_mismatch: { error: 'invalid_grant', description: 'redirect_uri differs from the authorization request' },
  userid_mismatch: { error: 'invalid_grant', description: 'userid differs from the authorization request' },
  code_verifier_required: { error: 'invalid_request', description: 'code_verifier is required' },
  code_verifier_mismatch: { error: 'invalid_grant', description: 'code_verifier does not match the code challenge' },
  code_verifier_unexpected: {
    error: 'invalid_grant',
    description: 'code_verifier sent, but the authorization request had no code_challenge',
  },
  refresh_token_invalid: { error: 'invalid_grant', description: 'the refresh token is not valid' },
  refresh_token_revoked: { error: 'invalid_grant', description: 'the refresh token has been revoked' },
  refresh_token_reused: { error: 'invalid_grant', description: 'the refresh token has already been used' },
  refresh_token_expired: { error: 'invalid_grant', description: 'the refresh token has expired' },
  grant_revoked: { error: 'invalid_grant', description: 'the grant has been revoked' },
};

/** RFC 6749 §4.1.2.1 names `temporarily_unavailable` for a server that cannot answer as asked now. */
const NOT_YET_ENFORCED: OAuthAnswer = {
  error: 'temporarily_unavailable',
  description: 'the revocation is recorded but not yet enforced here; retry',
};

/** The answer to a grant's refusal or unenforced revocation; undefined for any other error. */
export function grantAnswer(error: unknown): OAuthAnswer | undefined {
  if (error instanceof GrantRefusal) return GRANT_REFUSALS[error.reason];
  return error instanceof RevocationNotYetEnforced ? NOT_YET_ENFORCED : undefined;
}
