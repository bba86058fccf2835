import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseFilters } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RevocationOptions, RevokeGrant } from '../grants/revoke-grant.handler';
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
    private readonly commands: CommandBus,
  ) {}

  @Post('revoke')
  @HttpCode(HttpStatus.OK)
  async revoke(@Req() request: FastifyRequest, @Body() body: unknown): Promise<void> {
    const parameters = bodyParameters(body);
    const authenticated = await this.clients.authenticate(request.headers.authorization, parameters);
    const { client } = authenticated;
    const token = requiredParameter(parameters, 'token');
    const named = this.grantNamedBy(token, client.clientId);
    if (!named) return;
    const now = new Date();
    const metadata = eventMetadata(clientContext(request, authenticated), now, client.companyId);
    const { grantId, presented } = named;
    await this.commands.execute(new RevokeGrant(grantId, 'revoked_by_client', metadata, { presented }));
  }

  /**
   * The grant the token names, when it can be one of this client's; the hint (§2.1) is not needed to
   * tell. An access token says so itself; a refresh token is checked on its grant stream, as it is
   * revoked: only the grant's current one, of this client, revokes it.
   */
  private grantNamedBy(
    token: string,
    clientId: string,
  ): { grantId: string; presented?: RevocationOptions['presented'] } | undefined {
    const claims = this.accessTokens.verify(token);
    if (claims) return claims.client_id === clientId ? { grantId: grantIdOf(claims.jti) } : undefined;
    const grantId = grantIdIn(token);
    if (!grantId) return undefined;
    return { grantId, presented: { clientId, presentedHash: hashSecret(token) } };
  }
}
