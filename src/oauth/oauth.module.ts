import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GrantsModule } from '../grants/grants.module';
import { KeysModule } from '../keys/keys.module';
import { AppConfig } from '../config/app-config';
import { SigningKeys } from '../keys/signing-keys';
import { AdminTokenVerifier } from '../platform/auth/admin.guard';
import { tracing } from '../platform/tracing/tracing';
import { AccessTokenAdminVerifier } from './admin-token-verifier';
import { AuthorizeController } from './authorize/authorize.controller';
import { ClientAuthentication } from './client-authentication';
import { IntrospectController } from './introspect.controller';
import { ListUsersController } from './list-users.controller';
import { MetadataController } from './metadata.controller';
import { OAuthRoutes } from './oauth-routes';
import { RevokeController } from './revoke.controller';
import { RevokeTokensController } from './revoke-tokens.controller';
import { AuthorizationCodeGrant } from './token/authorization-code.grant';
import { SealedCodes } from './authorize/sealed-codes';
import { ClientCredentialsGrant } from './token/client-credentials.grant';
import { RefreshTokenGrant } from './token/refresh-token.grant';
import { TokenController } from './token/token.controller';
import { AccessTokens } from './tokens/access-tokens';
import { accessTokens } from './tokens/traced-access-tokens';
import { TokenIssuer } from './tokens/token-issuer';
import { TokenValidity } from './tokens/token-validity';

/** The protocol edge: authorization, token, revocation, introspection, metadata, and the AIRisk ListUsers resource. */
@Module({
  imports: [CqrsModule, KeysModule, GrantsModule],
  controllers: [AuthorizeController, RevokeController, MetadataController, ListUsersController, RevokeTokensController],
  providers: [
    // The token and introspection endpoints, served as plain Fastify routes by `OAuthRoutes`.
    TokenController,
    IntrospectController,
    OAuthRoutes,
    ClientAuthentication,
    // Its signature a span of its own when traces are exported (architecture §9: nothing added otherwise).
    {
      provide: AccessTokens,
      inject: [SigningKeys, AppConfig],
      useFactory: (keys: SigningKeys, config: AppConfig) => accessTokens(keys, config, tracing()),
    },
    TokenValidity,
    TokenIssuer,
    SealedCodes,
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    ClientCredentialsGrant,
    { provide: AdminTokenVerifier, useClass: AccessTokenAdminVerifier },
  ],
})
export class OAuthModule {}
