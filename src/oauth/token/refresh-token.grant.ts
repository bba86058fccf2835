import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { holdsRefreshToken } from '../../grants/grant.decider';
import { Grants } from '../../grants/grants';
import { hashSecret } from '../../platform/crypto/secrets';
import { EventMetadata } from '../../platform/event-store/event-store';
import { OAuthError } from '../oauth-error';
import { parameter, RawParameters, requiredParameter } from '../parameters';
import { ClientRecord } from '../security-view';
import { grantIdIn } from '../tokens/opaque-tokens';
import { TokenIssuer, TokenResponse } from '../tokens/token-issuer';
import { TokenValidity } from '../tokens/token-validity';
import { scopeWithin } from './scope';

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): the presented refresh token is spent and a new one
 * issued; presenting a spent one revokes the grant, except for a retry within the grace period.
 * A requested `scope` may narrow the grant's, never widen it.
 */
@Injectable()
export class RefreshTokenGrant {
  constructor(
    private readonly grants: Grants,
    private readonly issuer: TokenIssuer,
    private readonly config: AppConfig,
    private readonly validity: TokenValidity,
  ) {}

  async exchange(
    client: ClientRecord,
    parameters: RawParameters,
    metadata: EventMetadata,
    now: Date,
  ): Promise<TokenResponse> {
    const refreshToken = requiredParameter(parameters, 'refresh_token');
    const grantId = grantIdIn(refreshToken);
    if (!grantId) throw new OAuthError('invalid_grant', 'the refresh token is not valid');
    const { state } = await this.grants.load(grantId);
    // The token is checked before anything about its grant is looked at (nothing to probe without it).
    if (state.status === 'absent' || !holdsRefreshToken(state, client.clientId, hashSecret(refreshToken))) {
      throw new OAuthError('invalid_grant', 'the refresh token is not valid');
    }
    // A disable, secret rotation, deactivation or mass revocation since it was issued ends it too.
    if (state.refreshCutoffs && !(await this.validity.isHonoured({ ...state, cutoffs: state.refreshCutoffs }))) {
      throw new OAuthError('invalid_grant', 'the refresh token has been revoked');
    }
    const requested = parameter(parameters, 'scope');
    const scope =
      requested === undefined ? state.scope : scopeWithin(requested, state.scope.split(' ').filter(Boolean));
    const minted = await this.issuer.mint({ ...state, scope }, { refresh: true, now });
    await this.grants.execute(
      grantId,
      {
        type: 'RotateRefreshToken',
        grantId,
        clientId: client.clientId,
        presentedHash: hashSecret(refreshToken),
        tokens: minted.issued,
        graceSeconds: this.config.refreshReuseGraceSeconds,
        now: now.toISOString(),
      },
      metadata,
    );
    return this.issuer.response(minted, now);
  }
}
