import { Module } from '@nestjs/common';
import { GrantCascade } from './grant-cascade';
import { GrantRetention } from './grant-retention';
import { Grants } from './grants';

/**
 * The grant aggregate's commands, the reactor that records a cut-off client's or user's revocations
 * grant by grant, and the read model's retention.
 */
@Module({
  providers: [Grants, GrantCascade, GrantRetention],
  exports: [Grants, GrantRetention],
})
export class GrantsModule {}
