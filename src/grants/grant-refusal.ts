import type { RevocationReason } from './grant.events';

/**
 * Why the grant refuses a redemption, a refresh or a token it was asked about, in its own words. The
 * protocol edge decides how each is answered (RFC 6749 §5.2); nothing here knows HTTP.
 */
export type GrantRefusalReason =
  | 'code_invalid'
  | 'code_expired'
  | 'code_revoked'
  | 'code_reused'
  | 'redirect_uri_mismatch'
  | 'userid_mismatch'
  | 'code_verifier_required'
  | 'code_verifier_mismatch'
  | 'code_verifier_unexpected'
  | 'refresh_token_invalid'
  | 'refresh_token_revoked'
  | 'refresh_token_reused'
  | 'refresh_token_expired'
  | 'grant_revoked';

/**
 * The refusals that replay something already spent: RFC 6749 §4.1.2 (a code used twice) and RFC 9700
 * §4.14.2 (a rotated refresh token presented again) have the whole grant revoked, for this reason.
 */
const REPLAYS: Partial<Record<GrantRefusalReason, Extract<RevocationReason, 'code_reuse' | 'refresh_reuse'>>> = {
  code_reused: 'code_reuse',
  refresh_token_reused: 'refresh_reuse',
};

export class GrantRefusal extends Error {
  override readonly name = 'GrantRefusal';
  /** For a replay: the reason the grant is revoked with before the refusal is answered; otherwise null. */
  readonly revokesGrant: Extract<RevocationReason, 'code_reuse' | 'refresh_reuse'> | null;

  constructor(readonly reason: GrantRefusalReason) {
    super(reason);
    this.revokesGrant = REPLAYS[reason] ?? null;
  }
}
