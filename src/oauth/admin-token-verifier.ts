import { Injectable } from '@nestjs/common';
import { AdminTokenVerifier, ScopedAdmin } from '../platform/auth/admin.guard';
import { AccessTokens } from './tokens/access-tokens';
import { TokenValidity } from './tokens/token-validity';

/**
 * A company administrator's credential: an honoured generic (client) access token with the `admin`
 * scope, which only a client registered with that scope can obtain (client_credentials).
 */
@Injectable()
export class AccessTokenAdminVerifier extends AdminTokenVerifier {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly validity: TokenValidity,
  ) {
    super();
  }

  verify(token: string): ScopedAdmin | null {
    const claims = this.accessTokens.verify(token);
    if (!claims || claims.userid !== undefined || !claims.scope.split(' ').includes('admin')) return null;
    if (!this.validity.isAccessTokenHonoured(claims)) return null;
    return { clientId: claims.client_id, companyId: claims.company_id };
  }
}
