import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { ChangeClient } from '../clients/change-client.handler';
import { clientsProjection } from '../clients/client.projection';
import { Position } from '../platform/event-store/position';
import { AdminGuard } from '../platform/auth/admin.guard';
import { Context, RequestContext } from '../platform/auth/request-context';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { ProblemException } from '../platform/http/problem-details';
import { ReadYourWrites } from '../platform/projections/read-your-writes';
import { RevokeUserTokens } from '../users/revoke-user-tokens.handler';
import { USER_ID_PATTERN } from '../users/user.decider';
import { usersProjection } from '../users/user.projection';

export class RevokeTokensBody {
  @IsOptional()
  @IsUUID('4')
  clientId?: string;

  @IsOptional()
  @IsString()
  @Matches(USER_ID_PATTERN)
  userId?: string;
}

/**
 * Admin mass revocation: every token issued so far to a client, and/or for a user, stops being
 * honoured (`ClientTokensRevoked` / `UserTokensRevoked` move the token cutoff). The answer comes once
 * this instance's security view has applied it; other instances follow within the live-view lag.
 */
@Controller('api/admin/tokens')
@UseGuards(AdminGuard)
@ApiTags('tokens')
@ApiBearerAuth(ADMIN_SECURITY)
export class RevokeTokensController {
  constructor(
    private readonly commands: CommandBus,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Post('revoke')
  @HttpCode(HttpStatus.OK)
  async revoke(@Body() body: RevokeTokensBody, @Context() context: RequestContext) {
    const { clientId, userId } = body;
    if (!clientId && !userId) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'name the clientId and/or userId whose tokens to revoke',
        'empty_revocation',
      );
    }
    const revoked: { clientId?: string; userId?: string } = {};
    if (clientId) {
      // A client or user outside the caller's company is refused by its handler, on its own stream.
      const { position } = await this.commands.execute(
        new ChangeClient(clientId, { type: 'RevokeClientTokens' }, context),
      );
      await this.enforced(clientsProjection.name, position);
      revoked.clientId = clientId;
    }
    if (userId) {
      const { position } = await this.commands.execute(new RevokeUserTokens({ userId }, context));
      await this.enforced(usersProjection.name, position);
      revoked.userId = userId;
    }
    return revoked;
  }

  /** The answer promises enforcement on this instance: if the bounded wait runs out, say so (503). */
  private async enforced(projection: string, position: Position | undefined): Promise<void> {
    if (!(await this.readYourWrites.visible(projection, position))) {
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'recorded, but not yet enforced here; retry',
        'not_yet_enforced',
      );
    }
  }
}
