import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { randomBytesFromPool } from '../../platform/crypto/random-pool';
import { hashSecret } from '../../platform/crypto/secrets';
import { IssuedTokens } from '../../grants/grant.events';
import { OAuthError } from '../oauth-error';
import { SecurityView } from '../security-view';
import { AccessTokens } from './access-tokens';
import { newOpaqueToken } from './opaque-tokens';

export interface TokenSubject {
  readonly grantId: string;
  readonly clientId: string;
  readonly companyId: string;
  readonly userId: string | null;
  readonly scope: string;
}

/** Tokens minted for one response: the secrets for the client, the hashes and ids for the event. */
export interface MintedTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly issued: IssuedTokens;
  readonly scope: string;
}

/** RFC 6749 §5.1 plus the AIRisk `expiration`. */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  /** ISO-8601 UTC, whole seconds, as the AIRisk API answers it. */
  readonly expiration: string;
  /** Absent when the grant has no scope: RFC 6749 §3.3 knows no empty scope. */
  readonly scope?: string;
  readonly refresh_token?: string;
}

/**
 * Mints an access token (and a refresh token when asked) for a grant. User tokens carry the user's
 * current role and agents from the security view; a user who is no longer active gets none.
 */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly view: SecurityView,
    private readonly config: AppConfig,
  ) {}

  mint(subject: TokenSubject, options: { refresh: boolean; now: Date }): MintedTokens {
    const { grantId, clientId, companyId, userId, scope } = subject;
    const client = this.view.client(clientId);
    if (!client) throw new OAuthError('invalid_grant', 'the client no longer exists');
    const jti = `${grantId}.${randomBytesFromPool(9).toString('base64url')}`;
    const base = { sub: userId ?? clientId, client_id: clientId, company_id: companyId, jti, scope };
    let claims;
    let userCutoff: number | null = null;
    if (userId === null) {
      claims = { ...base, cutoffs: { client: client.tokenCutoff } };
    } else {
      const user = this.view.user(userId);
      if (!user || !user.active || user.companyId !== companyId) {
        throw new OAuthError('invalid_grant', 'the user is not an active user of the client company');
      }
      const userClaims = { userid: userId, role: user.role, agents: user.agents, default_agent: user.defaultAgentId };
      claims = { ...base, ...userClaims, cutoffs: { client: client.tokenCutoff, user: user.tokenCutoff } };
      userCutoff = user.tokenCutoff;
    }
    const { token, expiresAt } = this.accessTokens.issue(claims, options.now);
    const refreshToken = options.refresh ? newOpaqueToken(grantId) : undefined;
    const refreshExpiresAt = new Date(options.now.getTime() + this.config.refreshTokenTtlSeconds * 1000);
    return {
      accessToken: token,
      refreshToken,
      scope,
      issued: {
        jti,
        cutoffs: { client: client.tokenCutoff, user: userCutoff },
        issuedAt: options.now.toISOString(),
        expiresAt: expiresAt.toISOString(),
        refreshTokenHash: refreshToken ? hashSecret(refreshToken) : null,
        refreshExpiresAt: refreshToken ? refreshExpiresAt.toISOString() : null,
      },
    };
  }

  response(minted: MintedTokens, now: Date): TokenResponse {
    const expiresAt = new Date(minted.issued.expiresAt);
    return {
      access_token: minted.accessToken,
      token_type: 'Bearer',
      expires_in: Math.round((expiresAt.getTime() - now.getTime()) / 1000),
      expiration: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      // Left undefined, a member is not written (RFC 6749 §3.3 knows no empty scope): one object
      // literal, no optional members spread into it.
      scope: minted.scope || undefined,
      refresh_token: minted.refreshToken,
    };
  }
}
