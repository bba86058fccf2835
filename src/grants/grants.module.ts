import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GetGrantHandler } from './get-grant.handler';
import { GrantCascade } from './grant-cascade';
import { GrantRetention } from './grant-retention';
import { IssueClientCredentialsTokenHandler } from './issue-client-credentials-token.handler';
import { RedeemCodeHandler } from './redeem-code.handler';
import { RevokeGrantHandler } from './revoke-grant.handler';
import { RotateRefreshTokenHandler } from './rotate-refresh-token.handler';

/**
 * The grant aggregate's commands and query, the reactor that records a cut-off client's or user's
 * revocations grant by grant, and the read model's retention.
 */
@Module({
  imports: [CqrsModule],
  providers: [
    RedeemCodeHandler,
    IssueClientCredentialsTokenHandler,
    RotateRefreshTokenHandler,
    RevokeGrantHandler,
    GetGrantHandler,
    GrantCascade,
    GrantRetention,
  ],
  exports: [GrantRetention],
})
export class GrantsModule {}
