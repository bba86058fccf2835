import { Injectable } from '@nestjs/common';
import { AdminTokenVerifier, TokenHolder } from '../platform/auth/admin.guard';
import { AccessTokens } from './tokens/access-tokens';
import { TokenValidity } from './tokens/token-validity';

/**
 * A company administrator's or reviewer's credential: an honoured generic (client) access token.
 * Its `admin` or `audit:read` scope can only have come from client_credentials, for a confidential
 * client registered with it.
 */
@Injectable()
export class AccessTokenAdminVerifier extends AdminTokenVerifier {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly validity: TokenValidity,
  ) {
    super();
  }

  async verify(token: string): Promise<TokenHolder | null> {
    const claims = this.accessTokens.verify(token);
    if (!claims || claims.userid !== undefined || !(await this.validity.isAccessTokenHonoured(claims))) return null;
    return {
      clientId: claims.client_id,
      companyId: claims.company_id,
      scopes: claims.scope.split(' ').filter(Boolean),
    };
  }
}
