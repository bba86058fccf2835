import { Injectable } from '@nestjs/common';
import { TokenCutoffs } from '../../grants/grant.decider';
import { LiveViewRunner } from '../../platform/projections/live-view-runner';
import { SecurityView } from '../security-view';
import { AccessTokenClaims } from './access-tokens';

/** The grant an access token belongs to, from its `jti` (`<grantId>.<n>`). */
export function grantIdOf(jti: string): string {
  return jti.slice(0, jti.lastIndexOf('.'));
}

export interface TokenHolder {
  readonly grantId: string;
  readonly clientId: string;
  readonly companyId: string;
  readonly userId: string | null;
  readonly cutoffs: TokenCutoffs;
}

/**
 * DESIGN §5: a token is honoured only while its grant is not revoked, its client is enabled and has
 * not cut its tokens off since (disable, secret rotation, mass revocation), and, for a user token,
 * the user is active in the same company and has not been cut off either. Signature and expiry are
 * checked before this (`AccessTokens.verify`, or the grant's refresh expiry).
 */
@Injectable()
export class TokenValidity {
  constructor(
    private readonly view: SecurityView,
    private readonly liveViews: LiveViewRunner,
  ) {}

  isAccessTokenHonoured(claims: AccessTokenClaims): boolean {
    return this.isHonoured({
      grantId: grantIdOf(claims.jti),
      clientId: claims.client_id,
      companyId: claims.company_id,
      userId: claims.userid ?? null,
      cutoffs: { client: claims.cutoffs?.client, user: claims.cutoffs?.user ?? null },
    });
  }

  isHonoured({ grantId, clientId, companyId, userId, cutoffs }: TokenHolder): boolean {
    // Fail closed: a view that is not live may not know of a revocation yet.
    if (!this.liveViews.isLive() || this.view.isGrantRevoked(grantId)) return false;
    const client = this.view.client(clientId);
    if (!client || !client.enabled || client.companyId !== companyId || client.tokenCutoff !== cutoffs.client)
      return false;
    if (userId === null) return true;
    const user = this.view.user(userId);
    return !!user && user.active && user.companyId === companyId && user.tokenCutoff === cutoffs.user;
  }
}
