import { Injectable } from '@nestjs/common';
import { TokenCutoffs } from '../../grants/grant.events';
import { LiveViewRunner } from '../../platform/projections/live-view-runner';
import { SecurityView } from '../security-view';
import { AccessTokenClaims } from './access-tokens';

/** The grant an access token belongs to, from its `jti` (`<grantId>.<n>`). */
export function grantIdOf(jti: string): string {
  return jti.slice(0, jti.lastIndexOf('.'));
}

/** Whom a token was issued to, in which grant, and under which of its client's and user's cutoffs. */
export interface TokenIssuance {
  readonly grantId: string;
  readonly clientId: string;
  readonly companyId: string;
  readonly userId: string | null;
  readonly cutoffs: TokenCutoffs;
}

/**
 * How long a check waits for this instance's view to reach the store's head when a token names facts
 * the view has not seen yet (a token issued on another instance a moment ago): past it, the token is
 * refused, failing closed.
 */
export const CATCH_UP_WAIT_MS = 1_000;

/**
 * architecture §5: a token is honoured only while its grant is not revoked, its client is enabled and has
 * not cut its tokens off since (disable, secret rotation, mass revocation), and, for a user token,
 * the user is active in the same company and has not been cut off either. Signature and expiry are
 * checked before this (`AccessTokens.verify`, or the grant's refresh expiry).
 *
 * Several instances share one store, each with its own view: a token issued on another instance may
 * name a client, a user or a cutoff this one has not seen yet (cutoffs only grow). Then the check
 * waits, bounded, for the view to reach the store's head and decides on that, so a token answered
 * 200 anywhere is honoured everywhere at once. Nothing is waited for when the token is plainly valid
 * or plainly dead (revoked, disabled, cut off before the view's cutoff).
 */
@Injectable()
export class TokenValidity {
  constructor(
    private readonly view: SecurityView,
    private readonly liveViews: LiveViewRunner,
  ) {}

  isAccessTokenHonoured(claims: AccessTokenClaims): Promise<boolean> {
    return this.isHonoured({
      grantId: grantIdOf(claims.jti),
      clientId: claims.client_id,
      companyId: claims.company_id,
      userId: claims.userid ?? null,
      cutoffs: { client: claims.cutoffs?.client, user: claims.cutoffs?.user ?? null },
    });
  }

  async isHonoured(issuance: TokenIssuance): Promise<boolean> {
    if (this.honouredByView(issuance)) return true;
    if (!this.liveViews.isLive() || !this.viewMayBeBehind(issuance)) return false;
    return (await this.liveViews.reachStoreHead(CATCH_UP_WAIT_MS)) && this.honouredByView(issuance);
  }

  /** The token names a client, user or cutoff the view does not know yet: only then can waiting help. */
  private viewMayBeBehind({ grantId, clientId, userId, cutoffs }: TokenIssuance): boolean {
    if (this.view.isGrantRevoked(grantId)) return false;
    const client = this.view.client(clientId);
    if (!client || client.tokenCutoff < cutoffs.client) return true;
    if (userId === null) return false;
    const user = this.view.user(userId);
    return !user || (cutoffs.user !== null && user.tokenCutoff < cutoffs.user);
  }

  private honouredByView({ grantId, clientId, companyId, userId, cutoffs }: TokenIssuance): boolean {
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
