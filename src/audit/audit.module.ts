import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { AsOf } from './as-of';
import { PointInTime } from './point-in-time';
import { AuditCheckpoints } from './checkpoints';
import { CheckpointSchedule } from './checkpoint-schedule';
import { AuditController } from './audit.controller';
import { AuditPageController } from './page/audit-page.controller';
import { AuditEvents, AuditIndex } from './audit-events';
import { IndexedAuditEvents } from './audit-index';
import { AuditTrailReads } from './audit-trail-read';
import { AuditVerification } from './audit-verification';

/** The audit trail for compliance reviewers: query, stream histories, export, chain verification, and the page at `/audit`. */
@Module({
  imports: [KeysModule],
  controllers: [AuditController, AuditPageController],
  providers: [
    { provide: AuditIndex, useClass: IndexedAuditEvents },
    AuditEvents,
    AuditVerification,
    AuditTrailReads,
    AsOf,
    AuditCheckpoints,
    CheckpointSchedule,
    PointInTime,
  ],
})
export class AuditModule {}
