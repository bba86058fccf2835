import { Module } from '@nestjs/common';
import { GrantCascade } from './grant-cascade';
import { GrantRetention } from './grant-retention';
import { Grants } from './grants';

/** The grant aggregate's commands, and the cascades that revoke grants when their client or user is cut off. */
@Module({
  providers: [Grants, GrantCascade, GrantRetention],
  exports: [Grants, GrantCascade, GrantRetention],
})
export class GrantsModule {}
