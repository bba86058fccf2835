import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AppConfig } from '../../config/app-config';
import { RecordedGrant } from '../../grants/grant.decider';
import { GrantRefusal } from '../../grants/grant-refusal';
import { RotateRefreshToken } from '../../grants/rotate-refresh-token.handler';
import { hashSecret } from '../../platform/crypto/secrets';
import { EventMetadata } from '../../platform/event-store/event-store';
import { parameter, RawParameters, requiredParameter } from '../parameters';
import { ClientRecord } from '../security-view';
import { grantIdIn } from '../tokens/opaque-tokens';
import { MintedTokens, TokenIssuer, TokenResponse } from '../tokens/token-issuer';
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
    private readonly commands: CommandBus,
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
    if (!grantId) throw new GrantRefusal('refresh_token_invalid');
    const presented = {
      clientId: client.clientId,
      presentedHash: hashSecret(refreshToken),
      now: now.toISOString(),
      graceSeconds: this.config.refreshReuseGraceSeconds,
    };
    const minted = await this.commands.execute(
      new RotateRefreshToken(grantId, presented, (grant) => this.nextTokens(grant, parameters, now), metadata),
    );
    return this.issuer.response(minted, now);
  }

  /** Called on the grant as read, once the presented token is known to be one it issued to this client. */
  private async nextTokens(grant: RecordedGrant, parameters: RawParameters, now: Date): Promise<MintedTokens> {
    // A disable, secret rotation, deactivation or mass revocation since it was issued ends it too.
    if (grant.refreshCutoffs && !(await this.validity.isHonoured({ ...grant, cutoffs: grant.refreshCutoffs }))) {
      throw new GrantRefusal('refresh_token_revoked');
    }
    const requested = parameter(parameters, 'scope');
    const scope =
      requested === undefined ? grant.scope : scopeWithin(requested, grant.scope.split(' ').filter(Boolean));
    return this.issuer.mint({ ...grant, scope }, { refresh: true, now });
  }
}
