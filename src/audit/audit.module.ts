import { Module } from '@nestjs/common';
import { AsOf } from './as-of';
import { AuditController } from './audit.controller';
import { AuditEvents } from './audit-events';
import { AuditTrailReads } from './audit-trail-read';
import { AuditVerification } from './audit-verification';

/** The audit trail for compliance reviewers: query, stream histories, export, chain verification. */
@Module({
  controllers: [AuditController],
  providers: [AuditEvents, AuditVerification, AuditTrailReads, AsOf],
})
export class AuditModule {}
