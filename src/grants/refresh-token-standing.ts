import type { GrantState } from './grant.decider';

/**
 * What a presented refresh token is to the grant its id names (RFC 6749 §6, RFC 9700 §4.14.2):
 * - `not_issued`: not a refresh token this grant issued to this client; nothing about the grant is
 *   revealed to whoever presents it;
 * - `grant_revoked`: one of the grant's tokens, current or spent, but the grant is revoked;
 * - `live`: the current token, unexpired;
 * - `expired`: the current token, past its expiry;
 * - `grace_retry`: the token the last rotation spent, presented again within the grace period (a
 *   client retrying a refresh whose answer it lost);
 * - `spent`: a token spent or superseded before: presenting it is a replay.
 */
export type RefreshTokenStanding = 'not_issued' | 'grant_revoked' | 'live' | 'expired' | 'grace_retry' | 'spent';

export interface PresentedRefreshToken {
  /** The client presenting it: a token is only ever its own client's. */
  readonly clientId: string;
  /** SHA-256 of the token as presented. */
  readonly presentedHash: string;
  /** ISO 8601. */
  readonly now: string;
  /** How long after a rotation the token it spent is still honoured once; none when absent. */
  readonly graceSeconds?: number;
}

/** The one answer to "is this refresh token live", from the grant's folded state. */
export function refreshTokenStanding(
  state: GrantState,
  { clientId, presentedHash, now, graceSeconds = 0 }: PresentedRefreshToken,
): RefreshTokenStanding {
  if (state.status === 'absent' || state.refreshTokenHash === null || state.clientId !== clientId) return 'not_issued';
  const current = presentedHash === state.refreshTokenHash;
  const previous = presentedHash === state.previousRefreshTokenHash;
  if (!current && !previous && !state.spentRefreshTokenHashes.includes(presentedHash)) return 'not_issued';
  if (state.status === 'revoked') return 'grant_revoked';
  if (current) return Date.parse(now) >= Date.parse(state.refreshExpiresAt!) ? 'expired' : 'live';
  const withinGrace = Date.parse(now) - Date.parse(state.rotatedAt!) <= graceSeconds * 1000;
  return previous && withinGrace ? 'grace_retry' : 'spent';
}
