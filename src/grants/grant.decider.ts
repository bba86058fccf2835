import type { Decider } from '../platform/event-store/decide-on-stream';
import {
  type GrantEvent,
  grantEvents,
  type Holder,
  type IssuedTokens,
  type RevocationReason,
  type Subject,
  type TokenCutoffs,
} from './grant.events';
import { GrantRefusal, type GrantRefusalReason } from './grant-refusal';
import { type PresentedRefreshToken, type RefreshTokenStanding, refreshTokenStanding } from './refresh-token-standing';

/**
 * The Grant aggregate (architecture §5): one stream per authorization — code → tokens → refresh
 * rotations → revocation — and one per client-credentials issuance. It holds hashes and token ids
 * (`jti`) only, never a code or token. An authorization code is sealed by the service and carries
 * its own binding, so issuing one writes nothing: its stream starts when it is redeemed, recording
 * the issuance, the redemption and the tokens together. Single use is by construction: that first
 * append requires "no stream", and rotating a refresh token appends at the revision read, so of two
 * concurrent attempts exactly one wins.
 */

/**
 * What an authorization code carries, sealed by the service: everything it must be redeemed against
 * (RFC 6749 §4.1.3, RFC 7636 §4.6), and the client's and user's token cutoffs when it was issued,
 * so a disable, secret rotation or deactivation since then ends it as it ends tokens.
 */
export interface CodeBinding extends Subject {
  /** The SHA-256 of the redirect URI authorized (the URI itself would make the code long). */
  redirectUriHash: string;
  codeChallenge: string | null;
  cutoffs: TokenCutoffs;
  issuedAt: string;
  expiresAt: string;
}

export type GrantCommand =
  | {
      type: 'RedeemCode';
      /** The binding the presented code carries, opened and authenticated by the caller. */
      code: CodeBinding;
      /** SHA-256 of the code as presented: what the grant records, never the code. */
      codeHash: string;
      /** The authenticated client presenting it. */
      clientId: string;
      redirectUri: string | undefined;
      /** SHA-256 of `redirectUri`, computed by the caller; null when none was sent. */
      redirectUriHash: string | null;
      userId: string | null;
      /** base64url(SHA-256(code_verifier)), computed by the caller; null when none was sent. */
      codeVerifierChallenge: string | null;
      tokens: IssuedTokens;
      now: string;
    }
  | ({ type: 'IssueClientCredentialsToken'; tokens: IssuedTokens; now: string } & Subject)
  | {
      type: 'RotateRefreshToken';
      grantId: string;
      clientId: string;
      presentedHash: string;
      tokens: IssuedTokens;
      /** A retry of the previous refresh within this many seconds of its rotation is honoured, not treated as reuse. */
      graceSeconds: number;
      now: string;
    }
  | {
      type: 'RevokeGrant';
      grantId: string;
      reason: RevocationReason;
      now: string;
      /**
       * RFC 7009 §2.1: revoke only when this is the grant's current refresh token, of this client;
       * anything else changes nothing (§2.2). Absent: the grant is revoked whatever token named it.
       */
      presented?: Pick<PresentedRefreshToken, 'clientId' | 'presentedHash'>;
    };

export type GrantState =
  | { status: 'absent' }
  | (Subject & {
      status: 'code_issued' | 'active' | 'revoked';
      redirectUri: string | null;
      codeHash: string | null;
      codeChallenge: string | null;
      codeExpiresAt: string | null;
      refreshTokenHash: string | null;
      refreshExpiresAt: string | null;
      /** Cutoffs the current refresh token was issued under: a later disable or revocation ends it. */
      refreshCutoffs: TokenCutoffs | null;
      /** The refresh token the last rotation spent, and when: for the retry grace period. */
      previousRefreshTokenHash: string | null;
      rotatedAt: string | null;
      /** Every refresh token of this grant that has been spent or superseded: presenting one is reuse. */
      spentRefreshTokenHashes: readonly string[];
    });

/** A grant whose stream exists: its code was redeemed, or its client-credentials token issued. */
export type RecordedGrant = Exclude<GrantState, { status: 'absent' }>;

export const grantStream = (grantId: string) => `grant-${grantId}`;

function evolve(state: GrantState, event: GrantEvent): GrantState {
  switch (event.type) {
    case 'AuthorizationCodeIssued': {
      const { grantId, clientId, companyId, userId, scope, redirectUri, codeHash, codeChallenge, expiresAt } =
        event.data;
      return {
        ...{ grantId, clientId, companyId, userId, scope, redirectUri, codeHash, codeChallenge },
        status: 'code_issued',
        codeExpiresAt: expiresAt,
        refreshTokenHash: null,
        refreshExpiresAt: null,
        refreshCutoffs: null,
        previousRefreshTokenHash: null,
        rotatedAt: null,
        spentRefreshTokenHashes: [],
      };
    }
    case 'TokenIssued': {
      const { grantId, clientId, companyId, userId, scope, refreshTokenHash, refreshExpiresAt, cutoffs } = event.data;
      const code =
        state.status === 'absent'
          ? { redirectUri: null, codeHash: null, codeChallenge: null, codeExpiresAt: null }
          : state;
      return {
        ...code,
        ...{ grantId, clientId, companyId, userId, scope, refreshTokenHash, refreshExpiresAt },
        refreshCutoffs: refreshTokenHash ? cutoffs : null,
        status: state.status === 'revoked' ? 'revoked' : 'active',
        previousRefreshTokenHash: null,
        rotatedAt: null,
        spentRefreshTokenHashes: [],
      };
    }
    case 'AuthorizationCodeRedeemed':
      return state;
    case 'RefreshTokenRotated': {
      if (state.status === 'absent') return state;
      // The presented token is spent; so is the one it superseded when a retry came within the grace period.
      const superseded = [event.data.previousRefreshTokenHash, state.refreshTokenHash].filter((hash) => hash !== null);
      // A grace retry is honoured once: the retried token then counts as spent like any other.
      const retry = event.data.previousRefreshTokenHash === state.previousRefreshTokenHash;
      return {
        ...state,
        refreshTokenHash: event.data.refreshTokenHash,
        refreshExpiresAt: event.data.refreshExpiresAt,
        refreshCutoffs: event.data.cutoffs,
        previousRefreshTokenHash: retry ? null : event.data.previousRefreshTokenHash,
        rotatedAt: retry ? state.rotatedAt : event.data.issuedAt,
        spentRefreshTokenHashes: [...new Set([...state.spentRefreshTokenHashes, ...superseded])],
      };
    }
    case 'TokenRevoked':
      return state.status === 'absent' ? state : { ...state, status: 'revoked' };
  }
}

function decide(command: GrantCommand, state: GrantState): GrantEvent[] {
  switch (command.type) {
    case 'IssueClientCredentialsToken': {
      const { grantId, clientId, companyId, userId, scope, tokens } = command;
      const data = { grantId, clientId, companyId, userId, scope, ...tokens, grantType: 'client_credentials' as const };
      return [{ type: 'TokenIssued', data }];
    }
    case 'RedeemCode':
      return redeem(command, state);
    case 'RotateRefreshToken':
      return rotate(command, state);
    case 'RevokeGrant':
      if (state.status === 'absent' || state.status === 'revoked' || !revokes(command, state)) return [];
      return [
        {
          type: 'TokenRevoked',
          data: { ...holderOf(state), reason: command.reason, revokedAt: command.now },
        },
      ];
  }
}

/** RFC 7009 §2.1: a revocation naming a refresh token ends the grant only when it is the current one. */
function revokes(command: Extract<GrantCommand, { type: 'RevokeGrant' }>, state: GrantState): boolean {
  if (!command.presented) return true;
  const standing = refreshTokenStanding(state, { ...command.presented, now: command.now });
  return standing === 'live' || standing === 'expired';
}

/**
 * RFC 6749 §4.1.3 and RFC 7636 §4.6: every binding of the code is checked, and it is spent once. The
 * grant exists only once its code has been redeemed, so finding it means the code is presented
 * again: RFC 6749 §4.1.2 has the grant revoked (the handler does it on a refusal that `revokesGrant`).
 */
function redeem(command: Extract<GrantCommand, { type: 'RedeemCode' }>, state: GrantState): GrantEvent[] {
  const { code } = command;
  if (state.status !== 'absent') {
    if (state.codeHash !== command.codeHash || state.clientId !== command.clientId) {
      throw new GrantRefusal('code_invalid');
    }
    if (state.status === 'revoked') throw new GrantRefusal('code_revoked');
    throw new GrantRefusal('code_reused');
  }
  // Another client's code is not one it can know anything about: refused as plainly not valid.
  if (code.clientId !== command.clientId) throw new GrantRefusal('code_invalid');
  if (Date.parse(command.now) >= Date.parse(code.expiresAt)) throw new GrantRefusal('code_expired');
  if (command.redirectUri === undefined || command.redirectUriHash !== code.redirectUriHash) {
    throw new GrantRefusal('redirect_uri_mismatch');
  }
  if (command.userId !== code.userId) throw new GrantRefusal('userid_mismatch');
  if (code.codeChallenge !== null) {
    if (command.codeVerifierChallenge === null) throw new GrantRefusal('code_verifier_required');
    if (command.codeVerifierChallenge !== code.codeChallenge) throw new GrantRefusal('code_verifier_mismatch');
  } else if (command.codeVerifierChallenge !== null) {
    throw new GrantRefusal('code_verifier_unexpected');
  }
  // The tokens carry today's cutoffs: any difference is a disable, rotation or deactivation since.
  const now = command.tokens.cutoffs;
  if (now.client !== code.cutoffs.client || now.user !== code.cutoffs.user) throw new GrantRefusal('code_revoked');
  const { grantId, clientId, companyId, userId, scope, codeChallenge, issuedAt, expiresAt } = code;
  return [
    {
      type: 'AuthorizationCodeIssued',
      data: {
        ...{ grantId, clientId, companyId, userId, scope, codeChallenge, issuedAt, expiresAt },
        redirectUri: command.redirectUri,
        codeHash: command.codeHash,
      },
    },
    { type: 'AuthorizationCodeRedeemed', data: { grantId, clientId, userId, redeemedAt: command.now } },
    {
      type: 'TokenIssued',
      data: { grantId, clientId, companyId, userId, scope, ...command.tokens, grantType: 'authorization_code' },
    },
  ];
}

/** RFC 9700 §4.14.2: refresh tokens rotate; presenting a spent one revokes the whole grant. */
function rotate(command: Extract<GrantCommand, { type: 'RotateRefreshToken' }>, state: GrantState): GrantEvent[] {
  const standing = refreshTokenStanding(state, command);
  // The token itself is checked first: without it, nothing about the grant is revealed.
  if (state.status === 'absent' || standing === 'not_issued') throw new GrantRefusal('refresh_token_invalid');
  if (standing !== 'live' && standing !== 'grace_retry') throw new GrantRefusal(ROTATION_REFUSALS[standing]);
  return [
    {
      type: 'RefreshTokenRotated',
      data: { ...holderOf(state), previousRefreshTokenHash: command.presentedHash, ...command.tokens },
    },
  ];
}

/** A token the grant issued that cannot be rotated; a spent one is a replay, which revokes the grant. */
const ROTATION_REFUSALS = {
  grant_revoked: 'grant_revoked',
  spent: 'refresh_token_reused',
  expired: 'refresh_token_expired',
} as const satisfies Record<Exclude<RefreshTokenStanding, 'not_issued' | 'live' | 'grace_retry'>, GrantRefusalReason>;

function holderOf(state: Subject): Holder {
  return { grantId: state.grantId, clientId: state.clientId, userId: state.userId };
}

export const grantDecider: Decider<GrantCommand, GrantEvent, GrantState> = {
  events: grantEvents,
  initialState: { status: 'absent' },
  evolve,
  decide,
};
