import { Module } from '@nestjs/common';
import { GrantCascade } from './grant-cascade';
import { Grants } from './grants';

/** The grant aggregate's commands, and the cascades that revoke grants when their client or user is cut off. */
@Module({
  providers: [Grants, GrantCascade],
  exports: [Grants, GrantCascade],
})
export class GrantsModule {}
