import { Controller, Get, HttpCode, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminGuard } from '../platform/auth/admin.guard';
import { Context, RequestContext } from '../platform/auth/request-context';
import { ADMIN_SECURITY } from '../platform/http/openapi';
import { RotateSigningKey } from './rotate-signing-key.handler';
import { SigningKeys } from './signing-keys';

/** How long verifiers may cache the JWKS; a rotation's activation delay should be at least this. */
const JWKS_MAX_AGE_SECONDS = 300;

@Controller()
@ApiTags('keys')
export class KeysController {
  constructor(
    private readonly keys: SigningKeys,
    private readonly commands: CommandBus,
  ) {}

  /** The public keys that verify access tokens (RFC 7517 §5), served from memory. */
  @Get('.well-known/jwks.json')
  @ApiOkResponse({ description: 'JWK Set: the staged, current and recently superseded ES256 public keys' })
  jwks(@Res() reply: FastifyReply): void {
    void reply
      .header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
      .type('application/json')
      .send(this.keys.jwksJson());
  }

  /** A new key, published now and signing after `KEY_ACTIVATION_DELAY_SECONDS`. */
  @Post('api/admin/keys/rotate')
  @HttpCode(HttpStatus.OK)
  @UseGuards(AdminGuard)
  @ApiBearerAuth(ADMIN_SECURITY)
  @ApiOkResponse({ description: '`{ kid, activatesAt }` of the new key' })
  async rotate(@Context() context: RequestContext): Promise<{ kid: string; activatesAt: string }> {
    const { kid, activatesAt } = await this.commands.execute(new RotateSigningKey(context));
    return { kid, activatesAt };
  }
}
