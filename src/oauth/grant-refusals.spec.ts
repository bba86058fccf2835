import { GrantRefusal, type GrantRefusalReason } from '../grants/grant-refusal';
import { RevocationNotYetEnforced } from '../grants/revoke-grant.handler';
import { GRANT_REFUSALS, grantAnswer } from './grant-refusals';

describe('the answers to grant refusals (RFC 6749 §5.2)', () => {
  it.each<[GrantRefusalReason, string, string]>([
    ['code_invalid', 'invalid_grant', 'the authorization code is not valid'],
    ['code_expired', 'invalid_grant', 'the authorization code has expired'],
    ['code_revoked', 'invalid_grant', 'the authorization code has been revoked'],
    ['code_reused', 'invalid_grant', 'the authorization code has already been used'],
    ['redirect_uri_mismatch', 'invalid_grant', 'redirect_uri differs from the authorization request'],
    ['userid_mismatch', 'invalid_grant', 'userid differs from the authorization request'],
    ['code_verifier_required', 'invalid_request', 'code_verifier is required'],
    ['code_verifier_mismatch', 'invalid_grant', 'code_verifier does not match the code challenge'],
    [
      'code_verifier_unexpected',
      'invalid_grant',
      'code_verifier sent, but the authorization request had no code_challenge',
    ],
    ['refresh_token_invalid', 'invalid_grant', 'the refresh token is not valid'],
    ['refresh_token_revoked', 'invalid_grant', 'the refresh token has been revoked'],
    ['refresh_token_reused', 'invalid_grant', 'the refresh token has already been used'],
    ['refresh_token_expired', 'invalid_grant', 'the refresh token has expired'],
    ['grant_revoked', 'invalid_grant', 'the grant has been revoked'],
  ])('answers %s as %s: "%s"', (reason, error, description) => {
    expect(grantAnswer(new GrantRefusal(reason))).toEqual({ error, description });
  });

  it('answers every reason, each listed above', () => {
    expect(Object.keys(GRANT_REFUSALS)).toHaveLength(14);
  });

  it('answers a revocation not yet enforced here as temporarily_unavailable, asking for a retry', () => {
    expect(grantAnswer(new RevocationNotYetEnforced('g'))).toEqual({
      error: 'temporarily_unavailable',
      description: 'the revocation is recorded but not yet enforced here; retry',
    });
  });

  it('leaves any other error alone', () => {
    expect(grantAnswer(new Error('boom'))).toBeUndefined();
  });
});

describe('GrantRefusal', () => {
  it('revokes the grant for a replay, and only for one (RFC 6749 §4.1.2, RFC 9700 §4.14.2)', () => {
    expect(new GrantRefusal('code_reused').revokesGrant).toBe('code_reuse');
    expect(new GrantRefusal('refresh_token_reused').revokesGrant).toBe('refresh_reuse');
    const others = Object.keys(GRANT_REFUSALS).filter((reason) => !reason.endsWith('_reused'));
    expect(others.map((reason) => new GrantRefusal(reason as GrantRefusalReason).revokesGrant)).toEqual(
      others.map(() => null),
    );
  });
});
