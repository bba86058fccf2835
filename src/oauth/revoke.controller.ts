import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Grants } from '../grants/grants';
import { eventMetadata } from '../platform/auth/request-context';
import { hashSecret } from '../platform/crypto/secrets';
import { ClientAuthentication } from './client-authentication';
import { clientContext } from './client-context';
import { OAuthErrorFilter } from './oauth-error';
import { bodyParameters, requiredParameter } from './parameters';
import { AccessTokens } from './tokens/access-tokens';
import { grantIdIn } from './tokens/opaque-tokens';
import { grantIdOf } from './tokens/token-validity';

/**
 * RFC 7009. Either token of a grant revokes the whole grant. Unknown tokens, and tokens issued to
 * another client, get the same `200` with no effect (§2.2): the answer reveals nothing.
 */
@Controller('api/oauth2')
@UseFilters(OAuthErrorFilter)
@ApiTags('oauth')
export class RevokeController {
  constructor(
    private readonly clients: ClientAuthentication,
    private readonly accessTokens: AccessTokens,
    private readonly grants: Grants,
  ) {}

  @Post('revoke')
  @HttpCode(HttpStatus.OK)
  async revoke(@Req() request: FastifyRequest, @Body() body: unknown): Promise<void> {
    const parameters = bodyParameters(body);
    const authenticated = await this.clients.authenticate(request.headers.authorization, parameters);
    const { client } = authenticated;
    const token = requiredParameter(parameters, 'token');
    const grantId = await this.grantOf(token, client.clientId);
    if (!grantId) return;
    const now = new Date();
    await this.grants.revoke(
      grantId,
      'revoked_by_client',
      eventMetadata(clientContext(request, authenticated), now, client.companyId),
    );
  }

  /** The grant the token belongs to, when it is one of this client's; the hint (§2.1) is not needed to tell. */
  private async grantOf(token: string, clientId: string): Promise<string | undefined> {
    const claims = this.accessTokens.verify(token);
    if (claims) return claims.client_id === clientId ? grantIdOf(claims.jti) : undefined;
    const grantId = grantIdIn(token);
    if (!grantId) return undefined;
    const { state } = await this.grants.load(grantId);
    const owned =
      state.status !== 'absent' && state.clientId === clientId && state.refreshTokenHash === hashSecret(token);
    return owned ? grantId : undefined;
  }
}
